import Common

/// The query of a WebSocket upgrade or a read-API request: the only input an unauthenticated client fully
/// controls on the gateway. Parsed the way ``StreamRequest`` is built for both (the ws-gateway's admission check
/// adds only header checks on top, and lives in an executable this target cannot link).
enum QueryFuzzer {
    static let maxBacklog = 1_000
    /// One event every filter is tried on.
    static let event = EventAttributes(type: "open", email: "Someone@Example.COM", tags: ["welcome", "promo"], subaccount: "acme")

    static func run(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        // API: QueryParameters(parsing:) and QueryParameters(uri:).
        let parameters = try? QueryParameters(parsing: text[...])
        let reference = ReferenceDecoding.query(Array(text.utf8), maximumCount: QueryParameters.maximumCount)
        let decoded = parameters.map { parameters in parameters.names.map { ($0, parameters[$0] ?? "") } }
        invariant(
            ReferenceDecoding.same(decoded, reference),
            "QueryParameters \(String(describing: decoded)) but reference \(String(describing: reference))"
        )
        invariant((try? QueryParameters(uri: "/ws/email/?" + text)) == parameters, "the URI form parses differently")
        guard let parameters else { return }

        // API: StreamRequest(query:maxBacklog:).
        guard let request = try? StreamRequest(query: parameters, maxBacklog: maxBacklog) else { return }
        checkStart(request.start, parameters)
        checkFilter(request.filter, parameters)
    }

    private static func checkStart(_ start: StreamRequest.Start, _ parameters: QueryParameters) {
        let since = parameters["since"].flatMap { $0.isEmpty ? nil : $0 }
        let backlog = parameters["backlog"].flatMap { $0.isEmpty ? nil : $0 }
        invariant(since == nil || backlog == nil, "since= and backlog= together were accepted")
        switch start {
        case .live:
            invariant(since == nil && (backlog == nil || Int(backlog!) == 0), "live start despite since/backlog")
        case .since(let id):
            invariant(since.flatMap { StreamID($0) } == id, "since= parsed to \(id)")
            invariant(StreamID(id.description) == id, "stream id \(id) does not round-trip")
        case .backlog(let count):
            invariant((1...maxBacklog).contains(count) && backlog.flatMap { Int($0) } == count, "backlog \(count) out of range")
        }
    }

    /// A filter must be what its parameters say, and matching must be monotonic: adding the event's own values to
    /// every field the client used makes it match, and a filter that matches still matches with a field dropped.
    private static func checkFilter(_ filter: EventFilter, _ parameters: QueryParameters) {
        let expected = EventFilter(
            types: parameters["types"],
            emails: parameters["email"],
            tags: parameters["tag"],
            subaccounts: parameters["subaccount"]
        )
        invariant(filter == expected, "filter differs from its parameters")
        for value in filter.types.union(filter.emails).union(filter.tags).union(filter.subaccounts) {
            invariant(!value.isEmpty && value.first != " " && value.last != " " && !value.contains(","), "filter value \(value.debugDescription)")
        }
        invariant(filter.emails.allSatisfy { $0 == $0.lowercased() }, "filter emails are not lower-cased")
        if filter.matchesEverything { invariant(filter.matches(event), "an empty filter refused an event") }

        var widened = filter
        if !widened.types.isEmpty { widened.types.insert(event.type) }
        if !widened.emails.isEmpty { widened.emails.insert(event.email) }
        if !widened.tags.isEmpty { widened.tags.insert(event.tags[0]) }
        if !widened.subaccounts.isEmpty { widened.subaccounts.insert(event.subaccount) }
        invariant(widened.matches(event), "a filter naming the event's own values refused it")

        if filter.matches(event) {
            for field in [\EventFilter.types, \.emails, \.tags, \.subaccounts] {
                var narrower = filter
                narrower[keyPath: field] = []
                invariant(narrower.matches(event), "dropping a filter field stopped a match")
            }
        }
    }
}
