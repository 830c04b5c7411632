import Common
import NIOWebSocket

/// Why the gateway ends a stream: the close code, the reason sent with it, and the control message the client reads
/// just before (SSE clients get the message; the end of the response stands for the close frame).
enum StreamCloseReason: Equatable, Sendable {
    /// The gateway is shutting down (drain).
    case shuttingDown
    /// The client sent a data frame; clients only send ping, pong and close.
    case unsupportedData
    /// History could not be read (Redis unavailable).
    case historyUnavailable
    /// The client's token expired while the stream was open.
    case tokenExpired
    /// The client's queue passed `--max-queue-bytes`, or it did not take a replayed page in time.
    case slowConsumer
    /// A replay examined `--max-replay-scan` entries; the client continues from `resumeSince`.
    case replayScanLimit(resumeSince: StreamID)

    var code: WebSocketErrorCode {
        switch self {
        case .shuttingDown: .goingAway
        case .unsupportedData: .unacceptableData
        case .historyUnavailable: .unexpectedServerError
        case .tokenExpired: .tokenExpired
        case .slowConsumer: .slowConsumer
        case .replayScanLimit: .replayScanLimit
        }
    }

    /// The close frame's reason: what the client should do next.
    var reason: String {
        switch self {
        case .shuttingDown: "server shutting down: reconnect with since="
        case .unsupportedData: "clients may only send ping, pong and close"
        case .historyUnavailable: "history unavailable: reconnect with since="
        case .tokenExpired: "token expired: reconnect with a new token and since="
        case .slowConsumer: "slow consumer: reconnect with since="
        case .replayScanLimit(let id): "replay scan limit: reconnect with since=\(id)"
        }
    }

    /// The control message (JSON) sent ahead of the close, for clients that do not read close reasons.
    var notice: String? {
        switch self {
        case .tokenExpired: #"{"control":"token_expired"}"#
        case .replayScanLimit(let id): #"{"control":"scan_limit","resume_since":"\#(id)"}"#
        case .shuttingDown, .unsupportedData, .historyUnavailable, .slowConsumer: nil
        }
    }
}
