import Common
import NIOCore

/// One event on its way to clients: what filters look at, and its WebSocket frame, encoded once and shared by
/// every client that receives it.
struct Publication: Sendable {
    let id: StreamID
    let attributes: EventAttributes
    let frame: ByteBuffer

    init(id: StreamID, attributes: EventAttributes, envelope: some Collection<UInt8>) {
        self.id = id
        self.attributes = attributes
        self.frame = WebSocketFrameBytes.text(envelope)
    }

    /// Reads a published envelope; `nil` when the bytes are not one.
    init?(envelope: [UInt8]) {
        guard let summary = try? EnvelopeSummary(envelope: envelope) else { return nil }
        self.init(id: summary.id, attributes: summary.attributes, envelope: envelope)
    }

    /// Rebuilds the channel's bytes from a stream entry (replay and gap fill).
    init(entry: StreamEntry) {
        self.init(id: entry.id, attributes: entry.attributes, envelope: entry.envelope)
    }
}
