/// How the text of an option, given on the command line or in the environment, becomes a value, and how a value is
/// written back in `--help`, the README and the env examples.
package struct OptionValueKind<Value: Sendable>: Sendable {
    /// What the text must be, for error messages: "a whole number".
    package let expectation: String
    /// A switch is on with `--flag` or `NAME=1`, and takes no value on the command line.
    package let isSwitch: Bool
    package let parse: @Sendable (String) -> Value?
    package let format: @Sendable (Value) -> String

    package init(
        expectation: String,
        isSwitch: Bool = false,
        parse: @escaping @Sendable (String) -> Value?,
        format: @escaping @Sendable (Value) -> String
    ) {
        self.expectation = expectation
        self.isSwitch = isSwitch
        self.parse = parse
        self.format = format
    }
}

extension OptionValueKind where Value == String {
    /// Any non-empty text.
    package static var text: Self { Self(expectation: "non-empty text", parse: { $0.isEmpty ? nil : $0 }, format: { $0 }) }

    /// One of `choices`, in any case; the value is lowercased.
    package static func oneOf(_ choices: [String]) -> Self {
        Self(
            expectation: "one of \(choices.joined(separator: ", "))",
            parse: { text in choices.contains(text.lowercased()) ? text.lowercased() : nil },
            format: { $0 }
        )
    }
}

extension OptionValueKind where Value == Int {
    package static var wholeNumber: Self { Self(expectation: "a whole number", parse: { Int($0) }, format: { String($0) }) }
}

extension OptionValueKind where Value == Duration {
    package static var duration: Self {
        Self(expectation: "a duration such as 500ms, 30s, 7d", parse: { DurationText.parse($0) }, format: { DurationText.format($0) })
    }
}

extension OptionValueKind where Value == [String] {
    /// Comma-separated values, blanks dropped; at least one (a value with none, such as `,`, is a mistake, not "none").
    package static var list: Self {
        Self(
            expectation: "a comma-separated list of one or more values",
            parse: { text in
                let values = EnvironmentValues.splitList(text)
                return values.isEmpty ? nil : values
            },
            format: { $0.joined(separator: ",") }
        )
    }
}

extension OptionValueKind where Value == Bool {
    /// On with `1`, `true`, `yes` or `on`, off with `0`, `false`, `no` or `off`, in any case; anything else is refused
    /// (a misspelt value must not quietly mean off).
    package static var onOff: Self {
        Self(
            expectation: "1 or 0 (or true/false, yes/no, on/off)",
            isSwitch: true,
            parse: { text in
                switch text.lowercased() {
                case "1", "true", "yes", "on": true
                case "0", "false", "no", "off": false
                default: nil
                }
            },
            format: { $0 ? "on" : "off" }
        )
    }
}
