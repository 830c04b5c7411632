import NIOCore

/// Close codes the gateway sends, and the answer to a client's close frame (RFC 6455 §5.5.1, §7.4).
enum CloseCode {
    static let normal: UInt16 = 1000
    /// The gateway is shutting down: reconnect (to another gateway) with `since=`.
    static let goingAway: UInt16 = 1001
    /// The client broke the protocol (for example a close code that may not be sent on the wire).
    static let protocolError: UInt16 = 1002
    /// The client sent a data frame; clients only send ping, pong and close.
    static let unsupportedData: UInt16 = 1003
    /// A close reason that is not UTF-8.
    static let invalidPayload: UInt16 = 1007
    /// The client missed a pong, or sent a protocol violation.
    static let policyViolation: UInt16 = 1008
    /// History could not be read (Redis unavailable): reconnect with `since=` later.
    static let internalError: UInt16 = 1011
    /// The client's token expired while the stream was open: reconnect with a new token and `since=`.
    static let tokenExpired: UInt16 = 4001
    /// The client's queue passed `--max-queue-bytes`: reconnect with `since=`, nothing is lost.
    static let slowConsumer: UInt16 = 4008
    /// A replay examined `--max-replay-scan` entries: reconnect with `since=` set to the `resume_since` sent just
    /// before, at once.
    static let scanLimit: UInt16 = 4009

    /// The code to answer a client's close frame with: its own code when that may be sent on the wire, 1002 when
    /// it may not (1005, 1006 and 1015 are reserved for reporting, never sent; others are unassigned), 1007 when
    /// the reason is not UTF-8, and 1000 when the frame carried no code.
    static func reply(toClientClose payload: ByteBuffer) -> UInt16 {
        var payload = payload
        guard payload.readableBytes > 0 else { return normal }
        guard let code = payload.readInteger(as: UInt16.self) else { return protocolError }
        guard mayBeSent(code) else { return protocolError }
        let reason = Array(payload.readableBytesView)
        guard (try? UTF8Span(validating: reason.span)) != nil else { return invalidPayload }
        return code
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
