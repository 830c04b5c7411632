import Common
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Prometheus

/// One client stream, WebSocket or SSE (``StreamFraming``), handed publications by its loop's ``LoopHub`` and
/// history by ``HistoryReader``. A WebSocket client's frames arrive here too (it may only send ping, pong and
/// close); an SSE client sends nothing after its request, and whatever it sends is dropped.
///
/// Confined to its channel's event loop: every method runs there, which is what makes the non-Sendable state safe.
final class StreamConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame

    let request: StreamRequest
    let framing: StreamFraming
    /// The client negotiated permessage-deflate: events go out as the publication's compressed frame. Control
    /// messages stay plain (RSV1 is per message), and the client's own frames are never compressed.
    let deflates: Bool
    /// Unix seconds when the client's token stops counting; `nil`: never.
    private let expiresAt: Double?
    private var expiry: Scheduled<Void>?
    private var stream: ClientStreamState
    private let writer: RawFrameWriter
    private let hub: LoopHub
    private let drainTimeout: TimeAmount
    /// How long the client may take to read one replayed page before it counts as a slow consumer.
    private let replayWriteTimeout: TimeAmount
    private let logger: Logger
    private var channel: (any Channel)?
    /// A ping was sent and no pong came back yet.
    var awaitingPong = false
    /// Bytes were written since the last flush; the hub flushes once per pass.
    var needsFlush = false
    /// Frames the hub delivered in this pass; above 0, the connection is on its list to flush at the end of it.
    var queuedInPass = 0
    private(set) var isClosing = false
    /// Runs once when the channel is gone (frees the connection slot).
    private var onClose: (() -> Void)?

    init(
        request: StreamRequest,
        framing: StreamFraming = .webSocket,
        deflates: Bool = false,
        expiresAt: Double? = nil,
        writer: RawFrameWriter,
        hub: LoopHub,
        queueLimit: Int,
        drainTimeout: Duration,
        replayWriteTimeout: Duration,
        logger: Logger,
        onClose: @escaping () -> Void
    ) {
        self.request = request
        self.framing = framing
        self.deflates = deflates && framing == .webSocket
        self.expiresAt = expiresAt
        self.stream = ClientStreamState(start: request.start, queueLimit: queueLimit)
        self.writer = writer
        self.hub = hub
        self.drainTimeout = TimeAmount(drainTimeout)
        self.replayWriteTimeout = TimeAmount(replayWriteTimeout)
        self.logger = logger
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        // A client that hung up while its upgrade was being set up: this handler will never see `channelInactive`,
        // so the connection ends here (its slot is freed) instead of staying counted forever.
        guard context.channel.isActive else { return finish() }
        hub.add(self)
        if let expiresAt {
            let delay = max(0, expiresAt - Date().timeIntervalSince1970)
            expiry = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64((delay * 1000).rounded(.up)))) {
                self.expireToken()
            }
        }
    }

    /// The token expired while the stream was open: says so, then closes with 4001 (SSE: ends the response) so that
    /// the client reconnects with a fresh token and `since=` or `Last-Event-ID` (nothing is lost).
    private func expireToken() {
        guard !isClosing else { return }
        sendControl(#"{"control":"token_expired"}"#)
        close(code: CloseCode.tokenExpired, reason: "token expired: reconnect with a new token and since=")
    }

    // MARK: - Outbound

    /// A live publication that matches this client's filter. Returns whether bytes were queued.
    ///
    /// The client's queue is the socket's write queue. Past `--max-queue-bytes` (the channel's high watermark)
    /// the client is a slow consumer. The check comes before each write, so one frame larger than the limit
    /// (a big inbound mail) still goes to a client whose queue was drained. Frames this pass queued but did not
    /// flush yet were never offered to the socket: they are flushed first, so that a burst of big events is not
    /// taken for a slow reader.
    func deliver(_ publication: Publication) -> Bool {
        switch stream.receive(publication) {
        case .none:
            return false
        case .send:
            if !writer.isWritable, needsFlush { flush() }
            guard writer.isWritable else {
                closeAsSlowConsumer()
                return false
            }
            writer.write(bytes(of: publication))
            needsFlush = true
            return true
        case .overflow:
            closeAsSlowConsumer()
            return false
        }
    }

    private func closeAsSlowConsumer() {
        close(code: CloseCode.slowConsumer, reason: "slow consumer: reconnect with since=")
    }

    /// Writes history frames ahead of the live ones, pausing every `pacingBytes` until the socket took them, so
    /// that a replay never fills the client's queue by itself. Calls `next` once everything was written.
    ///
    /// A client that does not take a paused chunk within the replay write timeout is closed as a slow consumer:
    /// a replay never waits on a reader forever.
    func sendReplayed(_ publications: ArraySlice<Publication>, pacingBytes: Int, then next: @escaping () -> Void) {
        var written = 0
        var index = publications.startIndex
        while index < publications.endIndex {
            guard !isClosing, let channel else { return }
            let publication = publications[index]
            stream.replayed(through: publication.id)
            let encoded = bytes(of: publication)
            writer.write(encoded)
            written += encoded.readableBytes
            index += 1
            if written >= pacingBytes, index < publications.endIndex {
                let rest = publications[index...]
                let flushed = channel.eventLoop.makePromise(of: Void.self)
                flush(promise: flushed)
                let deadline = channel.eventLoop.assumeIsolated().scheduleTask(in: replayWriteTimeout) {
                    self.closeAsSlowConsumer()
                }
                flushed.futureResult.assumeIsolated().whenSuccess {
                    deadline.cancel()
                    self.sendReplayed(rest, pacingBytes: pacingBytes, then: next)
                }
                return
            }
        }
        next()
    }

    /// The replay reached the scan budget: tells the client where to continue and closes with 4009.
    func stopReplay(resumeSince id: StreamID) {
        guard !isClosing else { return }
        hub.metrics.replayScanLimits.increment()
        sendControl(#"{"control":"scan_limit","resume_since":"\#(id)"}"#)
        close(code: CloseCode.scanLimit, reason: "replay scan limit: reconnect with since=\(id)")
    }

    /// History up to `id` was read without a match for this client.
    func skipReplayed(through id: StreamID) {
        stream.replayed(through: id)
    }

    /// Sends what history did not cover and switches to live; announces it with a `live` control message.
    func finishReplay() {
        guard !isClosing else { return }
        for publication in stream.finishReplay() {
            writer.write(bytes(of: publication))
        }
        sendLiveNotice()
    }

    func sendLiveNotice() {
        sendControl(#"{"control":"live","last_id":\#(lastIDJSON)}"#)
        flush()
    }

    func sendControl(_ json: String) {
        switch framing {
        case .webSocket: writer.write(WebSocketFrameBytes.text(Array(json.utf8)))
        case .sse: writer.write(SSEFrameBytes.control(json))
        }
        needsFlush = true
    }

    /// The publication's bytes in this client's framing, encoded once for all clients.
    private func bytes(of publication: Publication) -> ByteBuffer {
        switch framing {
        case .webSocket: deflates ? publication.compressedFrame ?? publication.frame : publication.frame
        case .sse:
            // Live publications always carry it, and replays are built in this client's framing.
            publication.sseFrame ?? ByteBuffer()
        }
    }

    /// Writes and flushes; `promise` completes when the bytes left the process (replay paces itself on it).
    func flush(promise: EventLoopPromise<Void>? = nil) {
        needsFlush = false
        if let promise {
            writer.write(ByteBuffer(), promise: promise)
        }
        writer.flush()
    }

    /// A WebSocket ping expects a pong by the next one; an SSE keep-alive comment expects nothing (a dead SSE peer
    /// shows up as a failed write or a full queue instead).
    func sendPing() {
        switch framing {
        case .webSocket:
            awaitingPong = true
            writer.write(WebSocketFrameBytes.ping())
        case .sse:
            writer.write(SSEFrameBytes.ping)
        }
        needsFlush = true
    }

    private var lastIDJSON: String {
        switch stream.state {
        case .live(let lastSent): lastSent.map { "\"\($0)\"" } ?? "null"
        default: "null"
        }
    }

    // MARK: - Closing

    /// Sends a close frame after what is queued and stops delivering; drops the connection if the client does not
    /// answer within the drain timeout. An SSE stream has no close frame: the connection closes once what is
    /// queued was written (the end of the close-delimited body), or at the drain timeout.
    func close(code: UInt16, reason: String) {
        guard !isClosing, let channel else { return }
        isClosing = true
        stream.close()
        hub.remove(self)
        if code == CloseCode.slowConsumer { hub.metrics.slowConsumerCloses.increment() }
        logger.debug(
            "Closing stream",
            metadata: ["code": .stringConvertible(code), "reason": .string(reason), "transport": .string("\(framing)")]
        )
        let drained = channel.eventLoop.assumeIsolated().scheduleTask(in: drainTimeout) {
            channel.close(promise: nil)
        }
        switch framing {
        case .webSocket:
            writer.write(WebSocketFrameBytes.close(code: code, reason: reason))
            writer.flush()
        case .sse:
            let written = channel.eventLoop.makePromise(of: Void.self)
            flush(promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in
                drained.cancel()
                channel.close(promise: nil)
            }
        }
    }

    /// Drops the connection at once, without a close handshake (dead peers).
    func abort() {
        isClosing = true
        stream.close()
        hub.remove(self)
        channel?.close(promise: nil)
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // SSE: the request's own parts and anything sent after them; nothing to answer.
        guard framing == .webSocket else { return }
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            guard !isClosing else { return }
            // A pong joins the client's queue like any frame: a client that floods pings without reading would
            // otherwise grow it without bound. Past the limit it is a slow consumer.
            guard writer.isWritable else { return closeAsSlowConsumer() }
            writer.write(WebSocketFrameBytes.pong(frame.unmaskedData.readableBytesView))
            writer.flush()
        case .pong:
            awaitingPong = false
        case .connectionClose:
            if isClosing {
                // The client answered our close: done.
                context.close(promise: nil)
            } else {
                isClosing = true
                stream.close()
                hub.remove(self)
                writer.write(WebSocketFrameBytes.close(code: CloseCode.reply(toClientClose: frame.unmaskedData), reason: ""))
                writer.flush()
                context.close(promise: nil)
            }
        default:
            close(code: CloseCode.unsupportedData, reason: "clients may only send ping, pong and close")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            close(code: CloseCode.goingAway, reason: "server shutting down: reconnect with since=")
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The server allows half-closed sockets (for HTTP); a stream whose client stopped sending is done.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    /// The channel is gone: stop delivering and free the connection's slot, once.
    private func finish() {
        expiry?.cancel()
        expiry = nil
        isClosing = true
        stream.close()
        hub.remove(self)
        onClose?()
        onClose = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("WebSocket error", metadata: ["error": .string("\(error)")])
        context.close(promise: nil)
    }
}
