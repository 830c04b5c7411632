/// How a ``StreamConnection`` puts events, control messages, keep-alives and its end on the wire. One enum rather
/// than a protocol: the hub and the history reader hold one concrete class, and the per-event choice is a single
/// branch between two buffers that ``Publication`` already encoded once for every client.
enum StreamFraming: Sendable, Equatable {
    /// RFC 6455 frames after an upgrade on `/ws/email/`.
    case webSocket
    /// A `text/event-stream` body on `/sse/email/`: the client cannot answer, so there is no close handshake and
    /// no pong; the stream ends by closing the connection (the body is close-delimited).
    case sse
}
