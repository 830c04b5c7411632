import Foundation
import NIOHTTP1
import NetClients
import TestSupport
import Testing

/// `deploy/grafana/mandrill-live.json`: a dashboard Grafana can import, querying only metrics the processes expose.
@Suite("The Grafana dashboard")
struct GrafanaDashboardTests {
    static let file = "deploy/grafana/mandrill-live.json"
    static let dataSource = "${DS_PROMETHEUS}"
    /// Panel types the dashboard may use (all built into Grafana).
    static let panelTypes: Set<String> = ["row", "timeseries", "stat"]
    /// Words of PromQL (functions, aggregations, modifiers) the expressions may use; any other word is a label or a metric.
    static let promQLWords: Set<String> = [
        "sum", "max", "min", "count", "avg", "by", "without", "rate", "increase", "histogram_quantile", "on", "ignoring", "or", "and",
        "unless", "vector", "label_values",
    ]
    /// Labels Prometheus adds when it scrapes, or that histograms have: not in the processes' own label sets.
    static let scrapeLabels: Set<String> = ["instance", "job", "le"]

    static func load() throws -> [String: Any] {
        let data = try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent(file))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(file) is not a JSON object")
    }

    /// Every panel, the ones inside collapsed rows included.
    static func panels(of dashboard: [String: Any]) -> [[String: Any]] {
        let top = dashboard["panels"] as? [[String: Any]] ?? []
        return top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
    }

    /// Every PromQL expression: panel targets and variable queries.
    static func expressions(of dashboard: [String: Any]) -> [String] {
        var expressions = panels(of: dashboard).flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        for variable in (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] where variable["type"] as? String == "query" {
            if let query = variable["query"] as? String {
                expressions.append(query)
            } else if let query = (variable["query"] as? [String: Any])?["query"] as? String {
                expressions.append(query)
            }
        }
        return expressions
    }

    @Test("the file is a dashboard Grafana imports: required fields and types, one data source variable, panels laid out on the grid")
    func structure() throws {
        let dashboard = try Self.load()
        #expect((dashboard["title"] as? String)?.isEmpty == false)
        let uid = try #require(dashboard["uid"] as? String)
        #expect((1...40).contains(uid.count) && uid.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, "uid \(uid)")
        let schemaVersion = try #require(dashboard["schemaVersion"] as? Int)
        #expect((36...41).contains(schemaVersion), "schemaVersion \(schemaVersion)")
        #expect(dashboard["id"] == nil || dashboard["id"] is NSNull, "an exported dashboard carries no database id")
        #expect(dashboard["tags"] is [String])
        #expect(dashboard["editable"] is Bool)
        let time = try #require(dashboard["time"] as? [String: String])
        #expect(time["from"] != nil && time["to"] != nil)
        #expect(dashboard["refresh"] is String)

        // The data source is a variable, so that import and provisioning both work without edits.
        let variables = try #require((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]])
        let names = variables.compactMap { $0["name"] as? String }
        #expect(Set(names).count == names.count, "variable names are unique")
        let source = try #require(variables.first { $0["name"] as? String == "DS_PROMETHEUS" })
        #expect(source["type"] as? String == "datasource" && source["query"] as? String == "prometheus")
        for variable in variables where variable["type"] as? String == "query" {
            #expect(Self.usesDataSourceVariable(variable["datasource"]), "variable \(variable["name"] ?? "?")")
        }

        let panels = Self.panels(of: dashboard)
        #expect(panels.count >= 20)
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(ids.count == panels.count && Set(ids).count == ids.count, "every panel has a unique integer id")
        var cells: [(x: Int, y: Int, w: Int, h: Int, title: String)] = []
        for panel in panels {
            let title = panel["title"] as? String ?? ""
            #expect(!title.isEmpty, "panel \(panel["id"] ?? "?") has a title")
            let type = panel["type"] as? String ?? ""
            #expect(Self.panelTypes.contains(type), "\(title): type \(type)")
            let grid = try #require(panel["gridPos"] as? [String: Int], "\(title): gridPos")
            let (x, y, w, h) = (grid["x"] ?? -1, grid["y"] ?? -1, grid["w"] ?? 0, grid["h"] ?? 0)
            #expect(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 24, "\(title): gridPos \(grid)")
            for other in cells where x < other.x + other.w && other.x < x + w && y < other.y + other.h && other.y < y + h {
                Issue.record("\(title) overlaps \(other.title)")
            }
            cells.append((x, y, w, h, title))
            if type == "row" {
                #expect(w == 24 && h == 1, "\(title): a row spans the width")
                continue
            }
            #expect(Self.usesDataSourceVariable(panel["datasource"]), "\(title): datasource")
            #expect(((panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any])?["unit"] is String, "\(title): a unit")
            #expect((panel["description"] as? String)?.isEmpty == false, "\(title): a description")
            let targets = try #require(panel["targets"] as? [[String: Any]], "\(title): targets")
            #expect(!targets.isEmpty, "\(title): at least one query")
            let refIDs = targets.compactMap { $0["refId"] as? String }
            #expect(refIDs.count == targets.count && Set(refIDs).count == refIDs.count, "\(title): unique refIds")
            for target in targets {
                #expect((target["expr"] as? String)?.isEmpty == false, "\(title): expr")
                #expect(Self.usesDataSourceVariable(target["datasource"]), "\(title): target datasource")
            }
        }

        // Every variable an expression names is defined (or one of Grafana's own).
        let defined = Set(names).union(["__rate_interval", "__interval", "__range"])
        for expression in Self.expressions(of: dashboard) {
            for variable in Self.variables(in: expression) {
                #expect(defined.contains(variable), "$\(variable) in \(expression)")
            }
        }
    }

    @Test(
        "every metric the dashboard queries is exposed by hook-ingest or ws-gateway with that type and those labels, and every metric they expose is shown"
    )
    func metricsExist() async throws {
        let dashboard = try Self.load()
        let exposed = try await Self.exposedMetrics()
        #expect(exposed.types.count >= 15, "\(exposed.types.keys.sorted())")

        var used: Set<String> = []
        for expression in Self.expressions(of: dashboard) {
            let words = Self.words(in: expression)
            var labelsHere: Set<String> = []
            for word in words where !Self.promQLWords.contains(word.text) && !word.isLabel {
                let name = word.text
                guard let sample = exposed.samples[name] else {
                    Issue.record("\(name) is not exposed by hook-ingest or ws-gateway (in \(expression))")
                    continue
                }
                used.insert(sample.family)
                labelsHere.formUnion(sample.labels)
                // Counters and histogram series are read through rate()/increase(); gauges as they are.
                let counting = sample.type == "counter" || sample.type == "histogram"
                #expect(word.insideRate == counting, "\(name) (\(sample.type)) \(word.insideRate ? "inside" : "outside") rate() in \(expression)")
            }
            for word in words where word.isLabel && !Self.scrapeLabels.contains(word.text) {
                #expect(labelsHere.contains(word.text), "label \(word.text) is on none of the metrics of \(expression)")
            }
        }
        let shown = Set(exposed.types.keys)
        #expect(used == shown, "exposed but not on the dashboard: \(shown.subtracting(used).sorted())")
    }

    // MARK: - The processes' metrics

    struct Sample {
        let family: String
        let type: String
        var labels: Set<String>
    }

    /// Starts hook-ingest and ws-gateway (with a token option, so that a refused reader creates the labelled counters
    /// that only appear at their first increment), and reads `/metrics` from both.
    static func exposedMetrics() async throws -> (types: [String: String], samples: [String: Sample]) {
        let secret = "grafana-dashboard-test-secret-0123456789"
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.start("hook-ingest", arguments: ["--redis-url", redis.url, "--jwt-secrets", secret])
        let gateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url, "--jwt-secrets", secret])
        // mandrill_ingest_read_refused_total{status} and mandrill_gateway_connections_rejected_total{reason}.
        #expect(try await httpRequest(.GET, port: ingest.port, "/api/events/").status == 401)
        let handshake = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
        ]
        #expect(try await httpRequest(.GET, port: gateway.port, "/ws/email/", headers: handshake).status == 401)

        var types: [String: String] = [:]
        var samples: [String: Sample] = [:]
        for process in [ingest, gateway] {
            let response = try await httpRequest(.GET, port: process.port, "/metrics")
            #expect(response.status == 200)
            let parsed = parseExposition(response.text)
            types.merge(parsed.types) { first, _ in first }
            samples.merge(parsed.samples) { first, _ in first }
        }
        await ingest.terminate()
        await gateway.terminate()
        return (types.filter { $0.key.hasPrefix("mandrill_") }, samples)
    }

    /// Metric families with their types (`# TYPE`), and each sample name (a histogram's `_bucket`, `_sum`, `_count`)
    /// with its family, type and label names.
    static func parseExposition(_ text: String) -> (types: [String: String], samples: [String: Sample]) {
        var types: [String: String] = [:]
        var samples: [String: Sample] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let fields = line.split(separator: " ")
                if fields.count == 4 { types[String(fields[2])] = String(fields[3]) }
                continue
            }
            guard !line.hasPrefix("#") else { continue }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            var labels: Set<String> = []
            if line.dropFirst(name.count).first == "{" {
                // name="value" pairs; values are quoted with \-escapes.
                var rest = line.dropFirst(name.count + 1)
                while let equals = rest.firstIndex(of: "=") {
                    labels.insert(String(rest[..<equals]).trimmingCharacters(in: CharacterSet(charactersIn: ", ")))
                    var index = rest.index(after: equals)
                    guard index < rest.endIndex, rest[index] == "\"" else { break }
                    index = rest.index(after: index)
                    while index < rest.endIndex, rest[index] != "\"" {
                        if rest[index] == "\\" { index = rest.index(after: index) }
                        if index < rest.endIndex { index = rest.index(after: index) }
                    }
                    guard index < rest.endIndex else { break }
                    rest = rest[rest.index(after: index)...]
                    if rest.first == "}" { break }
                }
            }
            let family =
                ["_bucket", "_sum", "_count"].compactMap { suffix -> String? in
                    guard name.hasSuffix(suffix) else { return nil }
                    let base = String(name.dropLast(suffix.count))
                    return types[base] == "histogram" ? base : nil
                }.first ?? name
            guard let type = types[family] else { continue }
            samples[name, default: Sample(family: family, type: type, labels: [])].labels.formUnion(labels)
        }
        return (types, samples)
    }

    // MARK: - Reading the expressions

    struct Word {
        let text: String
        /// A label name: in `{…}`, in `by (…)` / `without (…)` / `on (…)`, or the second argument of `label_values`.
        let isLabel: Bool
        /// Directly inside `rate(` or `increase(`.
        let insideRate: Bool
    }

    /// The identifiers of a PromQL expression, skipping string literals, range durations and Grafana variables.
    static func words(in expression: String) -> [Word] {
        let characters = Array(expression)
        var words: [Word] = []
        var index = 0
        var braceDepth = 0
        var groupingDepth: Int?  // paren depth of the current by (…) list
        var labelValuesDepth: Int?  // paren depth of label_values(metric, label)
        var afterComma = false
        var parenDepth = 0
        var lastWord = ""
        func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber || character == "_" || character == ":" }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\"":
                index += 1
                while index < characters.count, characters[index] != "\"" { index += characters[index] == "\\" ? 2 : 1 }
                index += 1
            case "[":
                while index < characters.count, characters[index] != "]" { index += 1 }
                index += 1
            case "$":
                index += 1
                if index < characters.count, characters[index] == "{" {
                    while index < characters.count, characters[index] != "}" { index += 1 }
                    index += 1
                } else {
                    while index < characters.count, isWordCharacter(characters[index]) { index += 1 }
                }
            case "{":
                braceDepth += 1
                index += 1
            case "}":
                braceDepth -= 1
                index += 1
            case "(":
                parenDepth += 1
                if ["by", "without", "on", "ignoring"].contains(lastWord) { groupingDepth = parenDepth }
                if lastWord == "label_values" { labelValuesDepth = parenDepth }
                lastWord = ""
                index += 1
            case ")":
                if groupingDepth == parenDepth { groupingDepth = nil }
                if labelValuesDepth == parenDepth { (labelValuesDepth, afterComma) = (nil, false) }
                parenDepth -= 1
                index += 1
            case ",":
                if labelValuesDepth == parenDepth { afterComma = true }
                index += 1
            case _ where character.isLetter || character == "_":
                var end = index
                while end < characters.count, isWordCharacter(characters[end]) { end += 1 }
                let text = String(characters[index..<end])
                let before = String(characters[..<index]).replacingOccurrences(of: " ", with: "")
                let insideRate = before.hasSuffix("rate(") || before.hasSuffix("increase(")
                let isLabel = braceDepth > 0 || groupingDepth != nil || (labelValuesDepth == parenDepth && afterComma)
                words.append(Word(text: text, isLabel: isLabel, insideRate: insideRate))
                lastWord = text
                index = end
            default:
                index += 1
            }
        }
        return words
    }

    /// The names of the Grafana variables (`$name`, `${name}`) in an expression.
    static func variables(in expression: String) -> [String] {
        var names: [String] = []
        var rest = Substring(expression)
        while let dollar = rest.firstIndex(of: "$") {
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "{" {
                let name = rest.dropFirst().prefix { $0 != "}" && $0 != ":" }
                names.append(String(name))
            } else {
                names.append(String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }))
            }
        }
        return names
    }

    /// `{"type": "prometheus", "uid": "${DS_PROMETHEUS}"}`: never a data source of one particular Grafana.
    static func usesDataSourceVariable(_ value: Any?) -> Bool {
        guard let source = value as? [String: Any] else { return false }
        return source["uid"] as? String == dataSource && source["type"] as? String == "prometheus"
    }
}
