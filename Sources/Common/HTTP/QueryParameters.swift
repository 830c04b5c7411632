/// A request's query string, decoded by one set of rules in both processes, so that a filter means the same on
/// `/ws/email/` and `/api/events/`: `&` separates pairs, the first `=` separates name from value, `+` is a space,
/// `%XX` is a byte, and the decoded bytes must be UTF-8.
///
/// Hostile queries are answered, never trusted: empty pairs and pairs without a name (`?=`, `?a=b&=`) are skipped,
/// a broken escape or invalid UTF-8 is an error, and so is a query with more than ``maximumCount`` pairs. When a
/// name repeats, the first value counts.
package struct QueryParameters: Sendable, Equatable {
    /// No route takes more than a handful of parameters; more is a mistake or an attack.
    package static let maximumCount = 64

    private var pairs: [(name: String, value: String)] = []

    package static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    package init() {}

    /// Decodes the part of a URI after `?` (`nil` or empty: no parameters).
    package init(parsing query: Substring?) throws(QueryError) {
        guard let query, !query.isEmpty else { return }
        var count = 0
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            count += 1
            guard count <= Self.maximumCount else { throw QueryError("a query may have at most \(Self.maximumCount) parameters") }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = pair[..<(equals ?? pair.endIndex)]
            guard !rawName.isEmpty else { continue }
            let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            let name = try Self.decode(rawName)
            let value = try Self.decode(rawValue)
            if !pairs.contains(where: { $0.name == name }) { pairs.append((name, value)) }
        }
    }

    /// Decodes a whole URI's query: everything after the first `?`.
    package init(uri: String) throws(QueryError) {
        let query = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { uri[uri.utf8.index(after: $0)...] }
        try self.init(parsing: query)
    }

    /// For tests and callers that already hold decoded values.
    package init(_ values: [String: String]) {
        pairs = values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The first value given for `name`.
    package subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The names present, in order of first appearance.
    package var names: [String] { pairs.map(\.name) }

    private static func decode(_ raw: Substring.UTF8View.SubSequence) throws(QueryError) -> String {
        guard let bytes = PercentDecoding.decode(raw) else { throw QueryError("the query has a broken percent escape") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw QueryError("the query is not valid UTF-8 once decoded") }
        return text
    }
}

/// Why a query string was refused. The description is safe to return to the client.
package struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
