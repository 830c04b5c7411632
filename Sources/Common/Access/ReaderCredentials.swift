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

    private static func bearer(_ header: String) -> String? {
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).drop { $0 == " " }
        return token.isEmpty ? nil : String(token)
    }
}
