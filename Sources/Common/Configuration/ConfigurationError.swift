/// A configuration value that cannot be used, with a message that says which and why (never the secret itself).
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
