/// The token a request presents, taken from the first of the accepted forms that is present:
/// `Authorization: Bearer <token>`; the WebSocket subprotocol pair `bearer, bearer.<token>` (browsers cannot set
/// headers on a WebSocket); `token=` in the query (kept for compatibility).
package struct ReaderCredentials: Sendable {
    package enum Source: Sendable, Equatable {
        case header
        /// The server must then select the `bearer` subprotocol (and never echo the token).
        case subprotocol
        case query
    }

    package let token: String?
    package let source: Source?
    /// The client offered the `bearer` subprotocol: the answer must select it, whichever form the token came in
    /// (a WebSocket client fails a handshake whose answer selects none of the protocols it offered).
    package let offersBearerSubprotocol: Bool

    /// `subprotocols` are the values of every `Sec-WebSocket-Protocol` header.
    package init(authorization: String?, subprotocols: [String], queryToken: String?) {
        let offered = subprotocols.flatMap { $0.split(separator: ",") }.map { String($0.filter { $0 != " " && $0 != "\t" }) }
        offersBearerSubprotocol = offered.contains("bearer")
        if let authorization, let token = Self.bearer(authorization) {
            (self.token, source) = (token, .header)
            return
        }
        if offersBearerSubprotocol, let entry = offered.first(where: { $0.hasPrefix("bearer.") }) {
            (token, source) = (String(entry.dropFirst("bearer.".count)), .subprotocol)
            return
        }
        if let queryToken, !queryToken.isEmpty {
            (token, source) = (queryToken, .query)
            return
        }
        (token, source) = (nil, nil)
    }

    /// `Bearer <token>`, scheme case-insensitive. Read as bytes, not characters: a token that starts with a
    /// combining mark would otherwise merge with the space before it into one character.
    private static func bearer(_ header: String) -> String? {
        let bytes = header.utf8
        guard bytes.count > 7, bytes.prefix(6).map({ $0 | 0x20 }).elementsEqual("bearer".utf8), bytes.dropFirst(6).first == UInt8(ascii: " ")
        else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == UInt8(ascii: " ") }
        return token.isEmpty ? nil : String(decoding: token, as: UTF8.self)
    }
}
