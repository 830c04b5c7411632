import ArgumentParser
import Common
import Testing

@Suite("Option definitions: resolution, messages and help")
struct OptionDefinitionTests {
    private static let window = OptionDefinition<Duration>(
        flag: "window",
        environment: "TEST_WINDOW",
        legacyEnvironment: ["OLD_TEST_WINDOW"],
        kind: .duration,
        default: .milliseconds(5),
        requirement: .atMost(.seconds(1)),
        help: "How long to wait"
    )

    @Test("durations are written back as the shortest text that reads the same")
    func durationText() throws {
        let cases: [(Duration, String)] = [
            (.seconds(7 * 86400), "7d"), (.seconds(3600), "1h"), (.seconds(60), "1m"), (.seconds(90), "90s"), (.milliseconds(5), "5ms"),
            (.milliseconds(1500), "1500ms"), (.zero, "0"),
        ]
        for (duration, text) in cases {
            #expect(DurationText.format(duration) == text)
            #expect(DurationText.parse(text) == duration)
        }
    }

    @Test("the command line wins, then the variable, then a legacy name, then the default; empty counts as unset")
    func precedence() throws {
        #expect(try Self.window.resolve(nil, in: EnvironmentValues([:])) == .milliseconds(5))
        #expect(try Self.window.resolve(nil, in: EnvironmentValues(["OLD_TEST_WINDOW": "20ms"])) == .milliseconds(20))
        #expect(try Self.window.resolve(nil, in: EnvironmentValues(["TEST_WINDOW": "10ms", "OLD_TEST_WINDOW": "20ms"])) == .milliseconds(10))
        #expect(try Self.window.resolve(nil, in: EnvironmentValues(["TEST_WINDOW": "", "OLD_TEST_WINDOW": "20ms"])) == .milliseconds(20))
        #expect(try Self.window.resolve(.milliseconds(1), in: EnvironmentValues(["TEST_WINDOW": "10ms"])) == .milliseconds(1))
    }

    @Test("bad values are refused with the name they came by, and the check applies to every source")
    func messages() {
        let unparsable = #expect(throws: ConfigurationError.self) { try Self.window.resolve(nil, in: EnvironmentValues(["TEST_WINDOW": "later"])) }
        #expect(unparsable?.description == "TEST_WINDOW must be a duration such as 500ms, 30s, 7d")
        let tooLong = #expect(throws: ConfigurationError.self) { try Self.window.resolve(nil, in: EnvironmentValues(["TEST_WINDOW": "2s"])) }
        #expect(tooLong?.description == "--window must be at most 1s")
        let fromFlag = #expect(throws: ConfigurationError.self) { try Self.window.resolve(.seconds(3), in: EnvironmentValues([:])) }
        #expect(fromFlag?.description == "--window must be at most 1s")
        #expect(throws: ConfigurationError.self) { try Self.window.parseCommandLine("later") }
    }

    @Test(
        "values that would mean something other than written are refused: an overflowing duration, an unknown switch word, empty text, a list of none"
    )
    func refusedValues() throws {
        for text in ["1e300d", "1e16d", "9223372036854775808ms"] {
            #expect(DurationText.parse(text) == nil, "\(text)")
            #expect(throws: ConfigurationError.self) { try Self.window.parseCommandLine(text) }
        }
        #expect(DurationText.parse("106751d") == .seconds(106_751 * 86_400))
        let toggle = OptionDefinition<Bool>(flag: "toggle", environment: "TEST_TOGGLE", kind: .onOff, default: false, help: "Turn it on")
        #expect(try toggle.isOn(false, in: EnvironmentValues(["TEST_TOGGLE": "On"])))
        #expect(try !toggle.isOn(false, in: EnvironmentValues(["TEST_TOGGLE": "off"])))
        let misspelt = #expect(throws: ConfigurationError.self) { try toggle.isOn(false, in: EnvironmentValues(["TEST_TOGGLE": "enabled"])) }
        #expect(misspelt?.description == "TEST_TOGGLE must be 1 or 0 (or true/false, yes/no, on/off)")
        let name = OptionDefinition<String>(flag: "name", environment: "TEST_NAME", kind: .text, help: "A name")
        #expect(throws: ConfigurationError.self) { try name.parseCommandLine("") }
        #expect(try name.value(nil, in: EnvironmentValues(["TEST_NAME": ""])) == nil, "empty in the environment is unset")
        let list = OptionDefinition<[String]>(flag: "items", environment: "TEST_ITEMS", kind: .list, help: "Items")
        #expect(try list.parseCommandLine(" a, ,b ") == ["a", "b"])
        for text in ["", ",", " , "] {
            #expect(throws: ConfigurationError.self) { try list.parseCommandLine(text) }
        }
        #expect(throws: ConfigurationError.self) { try list.value(nil, in: EnvironmentValues(["TEST_ITEMS": ","])) }
    }

    @Test("a secret's value appears in no message")
    func secrets() {
        let secret = OptionDefinition<String>(
            flag: "secret",
            environment: "TEST_SECRET",
            kind: .text,
            secret: true,
            requirement: OptionRequirement("must be at least 32 bytes") { $0.utf8.count >= 32 },
            help: "A key"
        )
        let error = #expect(throws: ConfigurationError.self) { try secret.value(nil, in: EnvironmentValues(["TEST_SECRET": "hunter2"])) }
        #expect(error?.description == "--secret must be at least 32 bytes")
        #expect(secret.summary.isSecret && secret.summary.defaultDescription == "none")
    }

    @Test("help names the variable, the legacy names and the default; switches show NAME=1")
    func help() throws {
        #expect(Self.window.argumentHelp.abstract == "How long to wait (env: TEST_WINDOW; OLD_TEST_WINDOW is still read, default: 5ms).")
        let toggle = OptionDefinition<Bool>(flag: "toggle", environment: "TEST_TOGGLE", kind: .onOff, default: false, help: "Turn it on")
        #expect(toggle.argumentHelp.abstract == "Turn it on (env: TEST_TOGGLE=1, default: off).")
        #expect(try toggle.isOn(false, in: EnvironmentValues(["TEST_TOGGLE": "YES"])))
        #expect(try !toggle.isOn(false, in: EnvironmentValues(["TEST_TOGGLE": "0"])))
        #expect(try toggle.isOn(true, in: EnvironmentValues([:])))
    }
}
