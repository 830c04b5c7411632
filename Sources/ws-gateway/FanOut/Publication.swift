import Common
import NIOCore

/// One event on its way to clients: what filters look at, and its WebSocket frame and SSE event, each encoded once
/// and shared by every client that receives it.
///
/// Live publications get both encodings eagerly, on the Redis thread: the SSE one costs one copy of the envelope
/// per event, never per client, and building it lazily would need a lock on a value shared by every event loop. A
/// publication built for one client's replay gets the SSE encoding only when that client reads SSE.
///
/// With `--compression`, the permessage-deflate frame is built eagerly too, for the same reason: one deflate per
/// event on the Redis thread, rather than a lock taken by every client's delivery to build it lazily-once. The
/// option is for deployments whose clients negotiate it; without it nothing is compressed, and a replay is
/// compressed only for a client that negotiated.
struct Publication: Sendable {
    let id: StreamID
    let attributes: EventAttributes
    /// The WebSocket text frame.
    let frame: ByteBuffer
    /// The same envelope as an SSE event with its `id:` line; `nil` in a replay built for a WebSocket client.
    let sseFrame: ByteBuffer?
    /// The WebSocket text frame compressed for clients that negotiated permessage-deflate (RSV1 set); `nil` when
    /// compression is off (or zlib failed, and those clients get ``frame``).
    let compressedFrame: ByteBuffer?

    init(id: StreamID, attributes: EventAttributes, envelope: some Collection<UInt8>, compress: Bool = false, sse: Bool = true) {
        self.id = id
        self.attributes = attributes
        self.frame = WebSocketFrameBytes.text(envelope)
        self.sseFrame = sse ? SSEFrameBytes.event(id: id, data: envelope) : nil
        self.compressedFrame = compress ? MessageDeflater.compress(Array(envelope)).map(WebSocketFrameBytes.compressedText) : nil
    }

    /// Reads a published envelope; `nil` when the bytes are not one.
    init?(envelope: [UInt8], compress: Bool = false) {
        guard let summary = try? EnvelopeSummary(envelope: envelope) else { return nil }
        self.init(id: summary.id, attributes: summary.attributes, envelope: envelope, compress: compress)
    }

    /// Rebuilds the channel's bytes from a stream entry (gap fill for every client; with `sse: false`, a replay for
    /// one WebSocket client).
    init(entry: StreamEntry, compress: Bool = false, sse: Bool = true) {
        self.init(id: entry.id, attributes: entry.attributes, envelope: entry.envelope, compress: compress, sse: sse)
    }
}
