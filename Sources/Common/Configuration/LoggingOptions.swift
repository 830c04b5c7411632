package import ArgumentParser
package import Logging

/// `--log-level` and `--log-format`, shared by both processes.
package struct LoggingOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env: LOG_LEVEL, default: info).")
    package var logLevel: String?

    @Option(name: .long, help: "text or json, one object per line (env: LOG_FORMAT, default: text).")
    package var logFormat: String?

    package init() {}

    /// Installs the process-wide log handler. Called once, from `main`, never from tests.
    package func bootstrap(environment: EnvironmentValues = .init()) throws(ConfigurationError) -> Logger.Level {
        let levelText = logLevel ?? environment.string("LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ConfigurationError("log level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let format = (logFormat ?? environment.string("LOG_FORMAT") ?? "text").lowercased()
        switch format {
        case "text":
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case "json":
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        default:
            throw ConfigurationError("log format must be text or json")
        }
        return level
    }
}
