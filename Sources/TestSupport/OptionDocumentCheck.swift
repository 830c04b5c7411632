package import Common
import Foundation

/// Holds what users read about a process's options to its table of options (``OptionSummary``): the README's option
/// tables, the systemd env example, the process's Kubernetes manifest and the deploy guide. Names, defaults and
/// secrets must agree, so that a default changed in the table cannot leave a document behind.
package struct OptionDocumentCheck: Sendable {
    /// As the README's table headings and the env example's sections name it: `hook-ingest` or `ws-gateway`.
    package let process: String
    package let table: [OptionSummary]
    /// The manifest of the process, relative to the package root.
    package let kubernetesManifest: String
    /// Which environment variables named in the deploy guide are this process's to check (the other process checks
    /// the rest).
    package let ownsName: @Sendable (String) -> Bool

    package init(process: String, table: [OptionSummary], kubernetesManifest: String, ownsName: @escaping @Sendable (String) -> Bool) {
        self.process = process
        self.table = table
        self.kubernetesManifest = kubernetesManifest
        self.ownsName = ownsName
    }

    /// Every disagreement between the documents in the tree and the table, one sentence each.
    package func disagreements() throws -> [String] {
        func read(_ path: String) throws -> String {
            try String(contentsOf: TestPaths.packageRoot.appendingPathComponent(path), encoding: .utf8)
        }
        return readmeDisagreements(try read("README.md"))
            + envExampleDisagreements(try read("deploy/systemd/mandrill-live.env.example"))
            + kubernetesDisagreements(try read(kubernetesManifest))
            + deployGuideDisagreements(try read("deploy/README.md"))
    }

    /// Every disagreement between `--help` (as ArgumentParser prints it) and the table: an option of the table
    /// missing, or shown without its environment variable and default, or a flag shown that the table lacks.
    package func helpDisagreements(_ helpText: String) -> [String] {
        let help = helpText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        var problems: [String] = []
        for option in table {
            if let flag = option.flag {
                if !help.contains("--\(flag) ") { problems.append("--help: --\(flag) is missing") }
                if !help.contains("(\(option.sourcesAndDefault)).") {
                    problems.append("--help: --\(flag) does not say \"(\(option.sourcesAndDefault))\"")
                }
            } else if !help.contains("\(option.environmentName): \(option.abstract)") {
                problems.append("--help: \(option.environmentName) is missing")
            }
        }
        let shown = Set(
            help.split(separator: " ").filter { $0.hasPrefix("--") }.map {
                String($0.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" })
            }
        )
        let documented = Set(table.compactMap(\.flag) + ["help"])
        for flag in shown.subtracting(documented).sorted() { problems.append("--help: --\(flag) is not in the table") }
        return problems
    }

    // MARK: README

    /// One row of an option table in the README's Configuration section.
    struct ReadmeRow {
        let flag: String?
        let environmentNames: [String]
        let defaultCell: String
        let text: String
    }

    /// Rows of the tables headed `**<process>**` or `**… both processes**`.
    func readmeRows(_ readme: String) -> [ReadmeRow] {
        guard let start = readme.range(of: "\n## Configuration\n") else { return [] }
        let rest = readme[start.upperBound...]
        let section = rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)]
        var rows: [ReadmeRow] = []
        var heading = ""
        var inOptionTable = false
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("**"), let end = line.dropFirst(2).range(of: "**") {
                heading = String(line.dropFirst(2)[..<end.lowerBound])
            } else if line.hasPrefix("| option | environment | default |") {
                inOptionTable = heading == process || heading.hasSuffix("both processes")
            } else if !line.hasPrefix("|") {
                inOptionTable = false
            } else if inOptionTable, !line.hasPrefix("|---") {
                let cells = line.dropFirst().split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count >= 4 else { continue }
                let flag = Self.codeSpans(cells[0]).first.map { String($0.drop { $0 == "-" }) }
                var names: [String] = []
                for span in Self.codeSpans(cells[1]) {
                    let name = String(span.prefix { $0 != "=" })
                    if !names.contains(name) { names.append(name) }
                }
                rows.append(
                    ReadmeRow(flag: flag, environmentNames: names, defaultCell: cells[2].replacingOccurrences(of: "`", with: ""), text: String(line))
                )
            }
        }
        return rows
    }

    func readmeDisagreements(_ readme: String) -> [String] {
        let rows = readmeRows(readme)
        var problems: [String] = []
        for option in table {
            let matching = rows.filter { $0.environmentNames.first == option.environmentName }
            guard matching.count == 1, let row = matching.first else {
                problems.append("README: \(matching.count) rows for \(option.environmentName) in the \(process) and shared tables, not 1")
                continue
            }
            if row.flag != option.flag {
                problems.append("README: \(option.environmentName) has flag \(row.flag ?? "none"), the table says \(option.flag ?? "none")")
            }
            if Set(row.environmentNames) != Set(option.environmentNames) {
                problems.append("README: \(option.environmentName) is read as \(row.environmentNames), the table says \(option.environmentNames)")
            }
            let documented = option.defaultDescription
            if row.defaultCell != documented, !row.defaultCell.hasPrefix(documented + " (") {
                problems.append("README: \(option.environmentName) defaults to \"\(row.defaultCell)\", the table says \"\(documented)\"")
            }
            if option.isSecret, !row.text.contains("**secret**") {
                problems.append("README: \(option.environmentName) is secret and its row does not say so")
            }
        }
        let known = Set(table.map(\.environmentName))
        for row in rows where !known.contains(row.environmentNames.first ?? "") {
            problems.append("README: \(row.environmentNames.first ?? row.text) is not an option of \(process)")
        }
        return problems
    }

    // MARK: env example

    /// One `NAME=value` or `#NAME=value` line of the env example, with the comment lines right above it.
    struct Assignment {
        let name: String
        let value: String
        let isCommentedOut: Bool
        let comment: String
    }

    /// Assignments in the sections for both services and for this process.
    func assignments(_ example: String) -> [Assignment] {
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var result: [Assignment] = []
        var inSection = false
        var comment: [String] = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("# ----"), index + 2 < lines.count, lines[index + 2].hasPrefix("# ----") {
                let title = lines[index + 1].dropFirst(2)
                inSection = title.hasPrefix(process) || title.contains("(both services)")
            }
            if let assignment = Self.assignment(line) {
                if inSection {
                    result.append(
                        Assignment(
                            name: assignment.name,
                            value: assignment.value,
                            isCommentedOut: line.hasPrefix("#"),
                            comment: comment.joined(separator: "\n")
                        )
                    )
                }
                comment = []
            } else if line.hasPrefix("#") {
                comment.append(line)
            } else {
                comment = []
            }
        }
        return result
    }

    func envExampleDisagreements(_ example: String) -> [String] {
        let assignments = assignments(example)
        var problems: [String] = []
        for assignment in assignments {
            guard let option = table.first(where: { $0.environmentNames.contains(assignment.name) }) else {
                problems.append("env example: \(assignment.name) is not an option of \(process)")
                continue
            }
            if assignment.isCommentedOut, !option.isSwitch, let defaultText = option.defaultText, assignment.value != defaultText {
                problems.append("env example: #\(assignment.name)=\(assignment.value) shows a default, and the default is \(defaultText)")
            }
            if option.isSecret, !assignment.comment.contains("SECRET") {
                problems.append("env example: \(assignment.name) is secret and its comment does not say SECRET")
            }
        }
        for option in table where !assignments.contains(where: { $0.name == option.environmentName }) {
            problems.append("env example: \(option.environmentName) is missing from the \(process) and shared sections")
        }
        return problems
    }

    // MARK: Kubernetes and the deploy guide

    func kubernetesDisagreements(_ manifest: String) -> [String] {
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.trimmingCharacters(in: .whitespaces).drop { $0 == "#" || $0 == " " }
        }
        var problems: [String] = []
        for (index, line) in lines.enumerated() where line.hasPrefix("- name: ") {
            let name = String(line.dropFirst("- name: ".count))
            guard Self.isVariableName(name) else { continue }
            guard let option = table.first(where: { $0.environmentNames.contains(name) }) else {
                problems.append("\(kubernetesManifest): \(name) is not an option of \(process)")
                continue
            }
            if option.isSecret, index + 1 < lines.count, !lines[index + 1].hasPrefix("valueFrom:") {
                problems.append("\(kubernetesManifest): \(name) is secret and must come from a Secret (valueFrom)")
            }
        }
        return problems
    }

    func deployGuideDisagreements(_ guide: String) -> [String] {
        let known = Set(table.flatMap(\.environmentNames))
        let prose = guide.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("```") }.joined(separator: "\n")
        return Self.codeSpans(prose).map { String($0.prefix { $0 != "=" }) }
            .filter { Self.isVariableName($0) && ownsName($0) && !known.contains($0) }
            .map { "deploy/README.md: \($0) is not an option of \(process)" }
    }

    // MARK: text

    /// The text between pairs of backticks.
    static func codeSpans(_ text: some StringProtocol) -> [Substring] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { Substring($0.element) }
    }

    /// `NAME_LIKE_THIS`: upper case with at least one underscore.
    static func isVariableName(_ text: String) -> Bool {
        text.contains("_") && text.first?.isLetter == true
            && text.allSatisfy { ($0.isASCII && $0.isUppercase) || $0.isNumber || $0 == "_" }
    }

    static func assignment(_ line: String) -> (name: String, value: String)? {
        let body = line.hasPrefix("#") ? line.dropFirst() : Substring(line)
        guard let equals = body.firstIndex(of: "=") else { return nil }
        let name = String(body[..<equals])
        guard isVariableName(name) else { return nil }
        return (name, String(body[body.index(after: equals)...]))
    }
}
