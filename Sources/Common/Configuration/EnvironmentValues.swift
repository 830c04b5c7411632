#if canImport(Glibc)
import Glibc
#endif

/// Reads configuration from environment variables, for options given neither on the command line nor in a file.
package struct EnvironmentValues: Sendable {
    private let values: [String: String]

    /// The process environment.
    package init() {
        var values: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        self.values = values
    }

    /// A fixed environment, for tests.
    package init(_ values: [String: String]) {
        self.values = values
    }

    /// The non-empty value of `name`.
    package func string(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    package func int(_ name: String) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw ConfigurationError("\(name) must be a whole number") }
        return value
    }

    /// Comma-separated values, blanks dropped.
    package func list(_ name: String) -> [String]? {
        string(name).map(Self.splitList)
    }

    package static func splitList(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }
}
