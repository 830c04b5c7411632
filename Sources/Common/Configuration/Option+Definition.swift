package import ArgumentParser

extension Option {
    /// The option `definition` describes: its flag, its help (with environment variable and default) and its parser.
    /// Nil when the flag is not given, so that the environment and the default apply.
    package init<Parsed: Sendable>(_ definition: OptionDefinition<Parsed>) where Value == Parsed? {
        guard let flag = definition.flag else { preconditionFailure("\(definition.environmentName) is read from the environment only") }
        self.init(name: .customLong(flag), help: definition.argumentHelp) { text in try definition.parseCommandLine(text) }
    }
}

extension Flag where Value == Bool {
    /// The switch `definition` describes; its environment variable is read by ``OptionDefinition/isOn(_:in:)``.
    package init(wrappedValue: Bool, _ definition: OptionDefinition<Bool>) {
        guard let flag = definition.flag else { preconditionFailure("\(definition.environmentName) is read from the environment only") }
        self.init(wrappedValue: wrappedValue, name: .customLong(flag), help: definition.argumentHelp)
    }
}

extension OptionDefinition where Value == Bool {
    /// A switch is on when given on the command line or turned on in the environment.
    package func isOn(_ commandLine: Bool, in environment: EnvironmentValues) throws(ConfigurationError) -> Bool {
        if commandLine { return true }
        let fromEnvironment = try environmentValue(environment)
        return fromEnvironment ?? defaultValue ?? false
    }
}
