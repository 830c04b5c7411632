package import ArgumentParser

/// One option of a process, written once: its flag, its environment variable, its default, its help, whether it is
/// secret, and how its text is parsed and checked. `--help` (through ``ArgumentParser/Option/init(_:)``), the
/// resolution (command line, then environment, then default) and the README and deploy checks all read it, so a
/// default changed here changes all of them.
package struct OptionDefinition<Value: Sendable>: Sendable {
    /// The long flag without its dashes; `nil` for a setting read from the environment only (a secret that must not
    /// show in a process list).
    package let flag: String?
    package let environmentName: String
    /// Older names still read when `environmentName` is not set.
    package let legacyEnvironmentNames: [String]
    package let kind: OptionValueKind<Value>
    /// `nil`: no default, or one the process works out at start (then ``defaultDescription`` says which).
    package let defaultValue: Value?
    package let defaultDescription: String
    /// A secret's given value is never logged or shown (its default, which is public, may be), and it is read as a
    /// secret (redacted in configuration access logs). Secret options take kinds whose parsing cannot fail (text,
    /// lists), because ArgumentParser quotes the text of a flag it could not parse; their checks come later, in
    /// messages without the value.
    package let isSecret: Bool
    /// The sentence `--help` shows before "(env: …, default: …)".
    package let abstract: String
    package let valueName: String?
    private let requirement: OptionRequirement<Value>?

    package init(
        flag: String?,
        environment environmentName: String,
        legacyEnvironment legacyEnvironmentNames: [String] = [],
        kind: OptionValueKind<Value>,
        default defaultValue: Value? = nil,
        defaultDescription: String? = nil,
        secret isSecret: Bool = false,
        requirement: OptionRequirement<Value>? = nil,
        valueName: String? = nil,
        help abstract: String
    ) {
        self.flag = flag
        self.environmentName = environmentName
        self.legacyEnvironmentNames = legacyEnvironmentNames
        self.kind = kind
        self.defaultValue = defaultValue
        self.defaultDescription = defaultDescription ?? defaultValue.map(kind.format) ?? "none"
        self.isSecret = isSecret
        self.requirement = requirement
        self.valueName = valueName
        self.abstract = abstract
    }

    /// How the option is named in messages: its flag, or its environment variable when it has no flag.
    package var displayName: String {
        flag.map { "--\($0)" } ?? environmentName
    }

    /// The default, for an option that has one written here.
    package var requiredDefault: Value {
        guard let defaultValue else { preconditionFailure("\(displayName) has no default of its own") }
        return defaultValue
    }

    /// The value given on the command line, else in the environment, else the default (`nil` when none of them),
    /// checked against the option's requirement.
    package func value(_ commandLine: Value?, in environment: EnvironmentValues) throws(ConfigurationError) -> Value? {
        let fromEnvironment = commandLine == nil ? try environmentValue(environment) : nil
        guard let value = commandLine ?? fromEnvironment ?? defaultValue else { return nil }
        try check(value)
        return value
    }

    /// ``value(_:in:)`` for an option with a default.
    package func resolve(_ commandLine: Value?, in environment: EnvironmentValues) throws(ConfigurationError) -> Value {
        let value = try value(commandLine, in: environment)
        return value ?? requiredDefault
    }

    /// Throws when `value` does not meet the option's requirement.
    package func check(_ value: Value) throws(ConfigurationError) {
        if let requirement, !requirement.isMet(value) {
            throw ConfigurationError("\(displayName) \(requirement.description)")
        }
    }

    /// The value of the environment variable (or of a legacy name), parsed; `nil` when none is set.
    package func environmentValue(_ environment: EnvironmentValues) throws(ConfigurationError) -> Value? {
        for name in [environmentName] + legacyEnvironmentNames {
            guard let text = environment.string(name, isSecret: isSecret) else { continue }
            guard let value = kind.parse(text) else { throw ConfigurationError("\(name) must be \(kind.expectation)") }
            return value
        }
        return nil
    }

    /// Parses the text given after the flag; ArgumentParser reports the error with the flag and the text.
    package func parseCommandLine(_ text: String) throws(ConfigurationError) -> Value {
        guard let value = kind.parse(text) else { throw ConfigurationError("\(displayName) must be \(kind.expectation)") }
        return value
    }

    /// The help ArgumentParser shows: the abstract, then where else the option is read from and its default.
    package var argumentHelp: ArgumentHelp {
        ArgumentHelp("\(abstract) (\(summary.sourcesAndDefault)).", valueName: valueName)
    }

    package var summary: OptionSummary {
        OptionSummary(
            flag: flag,
            environmentNames: [environmentName] + legacyEnvironmentNames,
            defaultDescription: defaultDescription,
            defaultText: defaultValue.map(kind.format),
            isSecret: isSecret,
            isSwitch: kind.isSwitch,
            abstract: abstract
        )
    }
}
