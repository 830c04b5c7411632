import Common

/// A second, deliberately naive reading of `a=b&c=d` bodies, to compare the fast decoders against.
///
/// FormBody decodes in one pass into a preallocated buffer and QueryParameters walks UTF-8 views; both are easy
/// to get subtly wrong at the edges (`%` at the end, `=` in a value, `&` that was escaped). This splits first and
/// decodes each part with ``PercentDecoding``, the rules both documents promise.
enum ReferenceDecoding {
    typealias Pair = (name: String, value: String)

    /// The raw parts of every non-empty `&`-separated piece: name up to the first `=`, and the value after it.
    static func rawPairs(_ bytes: [UInt8]) -> [(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>?)] {
        bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { piece in
            guard let equals = piece.firstIndex(of: UInt8(ascii: "=")) else { return (piece, nil) }
            return (piece[..<equals], piece[(equals + 1)...])
        }
    }

    /// Percent-decodes and checks UTF-8; `nil` when either fails.
    static func text(_ raw: ArraySlice<UInt8>) -> String? {
        PercentDecoding.decode(raw).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// A webhook form: every piece is a field (even `=v`, with an empty name), and a repeated name is an error.
    static func form(_ bytes: [UInt8]) -> [Pair]? {
        var fields: [Pair] = []
        for raw in rawPairs(bytes) {
            guard let name = text(raw.name), let value = text(raw.value ?? []) else { return nil }
            guard !fields.contains(where: { $0.name == name }) else { return nil }
            fields.append((name, value))
        }
        return fields
    }

    /// A query: nameless pieces are skipped undecoded, the first value of a name wins, and more than `maximumCount`
    /// pieces is an error.
    static func query(_ bytes: [UInt8], maximumCount: Int) -> [Pair]? {
        let raws = rawPairs(bytes)
        guard raws.count <= maximumCount else { return nil }
        var pairs: [Pair] = []
        for raw in raws where !raw.name.isEmpty {
            guard let name = text(raw.name), let value = text(raw.value ?? []) else { return nil }
            if !pairs.contains(where: { $0.name == name }) { pairs.append((name, value)) }
        }
        return pairs
    }

    static func same(_ lhs: [Pair]?, _ rhs: [Pair]?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): true
        case (let lhs?, let rhs?): lhs.elementsEqual(rhs) { $0.name == $1.name && $0.value == $1.value }
        default: false
        }
    }
}
