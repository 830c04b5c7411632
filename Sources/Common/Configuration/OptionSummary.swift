/// An option as users see it, whatever its type: one row of a process's table of options, as `--help`, the README
/// and the env examples in `deploy/` show it.
package struct OptionSummary: Sendable, Equatable {
    /// The long flag without its dashes; `nil` for an environment-only setting.
    package let flag: String?
    /// The environment variable first, then the legacy names still read.
    package let environmentNames: [String]
    /// What `--help` and the README say the default is.
    package let defaultDescription: String
    /// The default as an environment value (`33554432`, `7d`); `nil` when there is none or the process works it out.
    package let defaultText: String?
    package let isSecret: Bool
    package let isSwitch: Bool
    package let abstract: String

    package init(
        flag: String?,
        environmentNames: [String],
        defaultDescription: String,
        defaultText: String?,
        isSecret: Bool,
        isSwitch: Bool,
        abstract: String
    ) {
        self.flag = flag
        self.environmentNames = environmentNames
        self.defaultDescription = defaultDescription
        self.defaultText = defaultText
        self.isSecret = isSecret
        self.isSwitch = isSwitch
        self.abstract = abstract
    }

    package var environmentName: String { environmentNames[0] }

    /// "env: NAME, default: …", the tail of the option's help.
    package var sourcesAndDefault: String {
        let legacy = environmentNames.dropFirst().map { "; \($0) is still read" }.joined()
        return "env: \(environmentName)\(isSwitch ? "=1" : "")\(legacy), default: \(defaultDescription)"
    }

    /// The lines `--help` adds below the options for settings read from the environment only.
    package static func environmentOnlyHelp(_ table: [OptionSummary]) -> String {
        table.filter { $0.flag == nil }
            .map { "\($0.environmentName): \($0.abstract) (\($0.isSecret ? "secret, " : "")default: \($0.defaultDescription))." }
            .joined(separator: "\n")
    }
}
