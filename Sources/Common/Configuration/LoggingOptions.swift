package import ArgumentParser
package import Logging

/// `--log-level` and `--log-format`, shared by both processes.
package struct LoggingOptions: ParsableArguments, Sendable {
    package static let level = OptionDefinition<String>(
        flag: "log-level",
        environment: "LOG_LEVEL",
        kind: .oneOf(Logger.Level.allCases.map(\.rawValue)),
        default: Logger.Level.info.rawValue,
        help: Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
    )
    @Option(LoggingOptions.level) package var logLevel: String?

    package static let format = OptionDefinition<String>(
        flag: "log-format",
        environment: "LOG_FORMAT",
        kind: .oneOf(["text", "json"]),
        default: "text",
        help: "text, or json: one object per line"
    )
    @Option(LoggingOptions.format) package var logFormat: String?

    package static let table = [level.summary, format.summary]

    package init() {}

    /// Installs the process-wide log handler. Called once, from `main`, never from tests.
    package func bootstrap(environment: EnvironmentValues = .init()) throws(ConfigurationError) -> Logger.Level {
        let levelText = try Self.level.resolve(logLevel, in: environment)
        guard let level = Logger.Level(rawValue: levelText) else { throw ConfigurationError("--log-level must be \(Self.level.kind.expectation)") }
        switch try Self.format.resolve(logFormat, in: environment) {
        case "json":
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        default:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return level
    }
}
