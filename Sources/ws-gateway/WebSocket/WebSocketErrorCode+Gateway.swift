import NIOCore
import NIOWebSocket

/// The gateway's own close codes (the application range, RFC 6455 §7.4.2), and the answer to a client's close frame
/// (§5.5.1, §7.4). The codes the RFC names are NIO's: `.goingAway` (1001, the gateway is shutting down: reconnect to
/// another gateway with `since=`), `.unacceptableData` (1003, a client sent a data frame), `.unexpectedServerError`
/// (1011, history could not be read: reconnect with `since=` later).
extension WebSocketErrorCode {
    /// The client's token expired while the stream was open: reconnect with a new token and `since=`.
    static let tokenExpired = Self.unknown(4001)
    /// The client's queue passed `--max-queue-bytes`: reconnect with `since=`, nothing is lost.
    static let slowConsumer = Self.unknown(4008)
    /// A replay examined `--max-replay-scan` entries: reconnect with `since=` set to the `resume_since` sent just
    /// before, at once.
    static let replayScanLimit = Self.unknown(4009)

    /// The code as it goes on the wire.
    var wireValue: UInt16 { UInt16(webSocketErrorCode: self) }

    /// The code to answer a client's close frame with: its own code when that may be sent on the wire, 1002 when
    /// it may not (1005, 1006 and 1015 are reserved for reporting, never sent; others are unassigned), 1007 when
    /// the reason is not UTF-8, and 1000 when the frame carried no code.
    static func reply(toClientClose payload: ByteBuffer) -> Self {
        var payload = payload
        guard payload.readableBytes > 0 else { return .normalClosure }
        guard let code = payload.readInteger(as: UInt16.self) else { return .protocolError }
        guard mayBeSent(code) else { return .protocolError }
        let reason = Array(payload.readableBytesView)
        guard (try? UTF8Span(validating: reason.span)) != nil else { return .dataInconsistentWithMessage }
        return Self(codeNumber: Int(code))
    }

    /// Codes an endpoint may put in a close frame: the assigned ones in 1000–1014 except 1004–1006, and the ranges
    /// for libraries (3000–3999) and applications (4000–4999).
    static func mayBeSent(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
