/// The permessage-deflate negotiation (RFC 7692 §5, §7.1): reads a client's `Sec-WebSocket-Extensions` offers
/// and answers the first one the gateway can honour, or none.
///
/// The gateway compresses each event once for every client, so it can only accept offers that let it compress
/// without context takeover and with the full 32 KiB window: it always answers `server_no_context_takeover`
/// (which a server may add on its own), and declines an offer that limits `server_max_window_bits` below 15.
/// Clients only send control frames, which are never compressed, so their own parameters cost nothing:
/// `client_max_window_bits` is accepted and needs no answer, `client_no_context_takeover` is echoed.
enum DeflateNegotiation {
    static let name = "permessage-deflate"

    /// The response header value for `headerValues` (every `Sec-WebSocket-Extensions` header of the request);
    /// `nil` when no offer is acceptable, and the connection stays uncompressed.
    static func response(to headerValues: [String]) -> String? {
        let offers = headerValues.flatMap { $0.split(separator: ",") }
        for offer in offers {
            if let response = answer(offer) { return response }
        }
        return nil
    }

    /// The answer to one offer: `permessage-deflate; param; param=value`.
    private static func answer(_ offer: Substring) -> String? {
        var parts = offer.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        guard let name = parts.first, name.lowercased() == Self.name else { return nil }
        parts.removeFirst()
        var seen: Set<String> = []
        var clientNoContextTakeover = false
        for part in parts {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard let key = pieces.first?.lowercased(), !key.isEmpty, seen.insert(key).inserted else { return nil }
            let value = pieces.count == 2 ? unquoted(pieces[1]) : nil
            switch key {
            case "server_no_context_takeover":
                guard value == nil else { return nil }
            case "client_no_context_takeover":
                guard value == nil else { return nil }
                clientNoContextTakeover = true
            case "server_max_window_bits":
                // Only the full window can be honoured: every client gets the same compressed bytes.
                guard let bits = value.flatMap(windowBits), bits == 15 else { return nil }
            case "client_max_window_bits":
                // No value: the client merely allows the server to limit it. With one, it must be valid.
                if pieces.count == 2 { guard value.flatMap(windowBits) != nil else { return nil } }
            default:
                return nil
            }
        }
        return clientNoContextTakeover
            ? "\(Self.name); server_no_context_takeover; client_no_context_takeover"
            : "\(Self.name); server_no_context_takeover"
    }

    /// A window size parameter: 8 to 15, digits only (RFC 7692 §7.1.2).
    private static func windowBits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 2, text.allSatisfy(\.isASCIIDigit), let bits = Int(text), (8...15).contains(bits) else { return nil }
        return bits
    }

    /// A parameter value may be a quoted string (RFC 6455 §9.1).
    private static func unquoted(_ text: Substring) -> Substring {
        guard text.count >= 2, text.first == "\"", text.last == "\"" else { return text }
        return text.dropFirst().dropLast()
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return self[start..<end]
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
