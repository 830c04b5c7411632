import Configuration
import Foundation

/// Reads settings from environment variables, for options not given on the command line.
///
/// Backed by swift-configuration's `EnvironmentVariablesProvider`: values read as secrets (``string(_:isSecret:)``,
/// which ``OptionDefinition`` passes for secret options) are redacted wherever swift-configuration reports them,
/// including the access log it writes when `CONFIG_ACCESS_LOG_FILE` is set. Only the reading is delegated: names,
/// defaults, parsing and messages stay with each ``OptionDefinition``, since swift-configuration's typed getters
/// return the default for a value they cannot convert, where a process must refuse to start.
package struct EnvironmentValues: Sendable {
    private let reader: ConfigReader

    /// The process environment.
    package init() {
        self.init(ProcessInfo.processInfo.environment)
    }

    /// A fixed environment, for tests.
    package init(_ values: [String: String]) {
        // An empty variable counts as unset, as in a systemd env file's `NAME=`.
        let provider = EnvironmentVariablesProvider(environmentVariables: values.filter { !$0.value.isEmpty })
        reader = ConfigReader(provider: provider)
    }

    /// The non-empty value of the variable `name`. swift-configuration's environment provider upper-cases a key and
    /// puts `_` at camel-case boundaries; our names are already upper-case snake case, so they are read as written.
    package func string(_ name: String, isSecret: Bool = false) -> String? {
        reader.string(forKey: ConfigKey([name]), isSecret: isSecret)
    }

    /// Comma-separated values, blanks dropped.
    package static func splitList(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }
}
