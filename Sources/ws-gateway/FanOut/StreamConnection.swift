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
    /// Closes the channel if the client does not answer our close frame (SSE: does not take the end of the body).
    private var drain: Scheduled<Void>?
    /// Every lifecycle decision; this handler only carries out the actions it returns (``perform(_:)``).
    private var machine: StreamConnectionStateMachine
    private let writer: RawFrameWriter
    private let hub: LoopHub
    private let drainTimeout: TimeAmount
    /// How long the client may take to read one replayed page before it counts as a slow consumer.
    private let replayWriteTimeout: TimeAmount
    private let logger: Logger
    private var channel: (any Channel)?
    /// Bytes were written since the last flush; the hub flushes once per pass.
    var needsFlush = false
    /// Frames the hub delivered in this pass; above 0, the connection is on its list to flush at the end of it.
    var queuedInPass = 0
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
        self.machine = StreamConnectionStateMachine(start: request.start, queueLimit: queueLimit, expectsPongs: framing == .webSocket)
        self.writer = writer
        self.hub = hub
        self.drainTimeout = TimeAmount(drainTimeout)
        self.replayWriteTimeout = TimeAmount(replayWriteTimeout)
        self.logger = logger
        self.onClose = onClose
    }

    /// Still delivering: not closing, closed or gone.
    var isOpen: Bool { machine.isOpen }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        // A client that hung up while its upgrade was being set up: this handler will never see `channelInactive`,
        // so the connection ends here (its slot is freed) instead of staying counted forever.
        guard context.channel.isActive else { return perform(machine.channelInactive()) }
        hub.add(self)
        if let expiresAt {
            let delay = max(0, expiresAt - Date().timeIntervalSince1970)
            expiry = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64((delay * 1000).rounded(.up)))) {
                // Says so, then closes with 4001 (SSE: ends the response) so that the client reconnects with a fresh
                // token and `since=` or `Last-Event-ID` (nothing is lost).
                self.close(.tokenExpired)
            }
        }
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
        switch machine.receive(publication) {
        case .skip:
            return false
        case .send:
            if !writer.isWritable, needsFlush { flush() }
            guard writer.isWritable else {
                perform(machine.queueFull())
                return false
            }
            writer.write(bytes(of: publication))
            needsFlush = true
            return true
        case .startClosing(let reason):
            perform(.startClosing(reason))
            return false
        }
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
            guard machine.isOpen, let channel else { return }
            let publication = publications[index]
            machine.replayed(through: publication.id)
            let encoded = bytes(of: publication)
            writer.write(encoded)
            written += encoded.readableBytes
            index += 1
            if written >= pacingBytes, index < publications.endIndex {
                let rest = publications[index...]
                let flushed = channel.eventLoop.makePromise(of: Void.self)
                flush(promise: flushed)
                let deadline = channel.eventLoop.assumeIsolated().scheduleTask(in: replayWriteTimeout) {
                    self.perform(self.machine.queueFull())
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
        close(.replayScanLimit(resumeSince: id))
    }

    /// History up to `id` was read without a match for this client.
    func skipReplayed(through id: StreamID) {
        machine.replayed(through: id)
    }

    /// Sends what history did not cover and switches to live; announces it with a `live` control message.
    func finishReplay() {
        guard let pending = machine.finishReplay() else { return }
        for publication in pending {
            writer.write(bytes(of: publication))
        }
        sendLiveNotice()
    }

    func sendLiveNotice() {
        guard machine.isOpen else { return }
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

    /// The loop's shared ping timer fired: pings the client, or drops it when it missed the previous pong.
    func pingTimerFired() {
        perform(machine.pingTimerFired())
    }

    private var lastIDJSON: String {
        switch machine.stream.state {
        case .live(let lastSent): lastSent.map { "\"\($0)\"" } ?? "null"
        default: "null"
        }
    }

    // MARK: - Closing

    /// Ends the stream for `reason` (a no-op once it is closing): see ``perform(_:)``.
    func close(_ reason: StreamCloseReason) {
        perform(machine.close(reason))
    }

    /// Carries out what the state machine decided. The only place that writes close frames, leaves the hub,
    /// closes the channel or frees the connection's slot.
    private func perform(_ action: StreamConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .sendPing:
            switch framing {
            case .webSocket: writer.write(WebSocketFrameBytes.ping())
            case .sse: writer.write(SSEFrameBytes.ping)
            }
            flush()
        case .sendPong(let payload):
            writer.write(WebSocketFrameBytes.pong(payload.readableBytesView))
            writer.flush()
        case .startClosing(let reason):
            hub.remove(self)
            startClosing(reason)
        case .answerClose(let code):
            hub.remove(self)
            writer.write(WebSocketFrameBytes.close(code: code, reason: ""))
            writer.flush()
            channel?.close(promise: nil)
        case .closeChannel:
            hub.remove(self)
            channel?.close(promise: nil)
        case .dropDeadPeer:
            hub.metrics.deadPeerCloses.increment()
            hub.remove(self)
            channel?.close(promise: nil)
        case .release:
            hub.remove(self)
            expiry?.cancel()
            expiry = nil
            drain?.cancel()
            drain = nil
            onClose?()
            onClose = nil
        }
    }

    /// Sends the reason's notice and a close frame after what is queued; the drain timeout drops the connection if
    /// the client does not answer. An SSE stream has no close frame: the connection closes once what is queued was
    /// written (the end of the close-delimited body), or at the drain timeout.
    private func startClosing(_ reason: StreamCloseReason) {
        switch reason {
        case .slowConsumer: hub.metrics.slowConsumerCloses.increment()
        case .replayScanLimit: hub.metrics.replayScanLimits.increment()
        case .shuttingDown, .unsupportedData, .historyUnavailable, .tokenExpired: break
        }
        logger.debug(
            "Closing stream",
            metadata: [
                "code": .stringConvertible(reason.code.wireValue), "reason": .string(reason.reason), "transport": .string("\(framing)"),
            ]
        )
        if let notice = reason.notice { sendControl(notice) }
        guard let channel else { return }
        drain = channel.eventLoop.assumeIsolated().scheduleTask(in: drainTimeout) {
            self.perform(self.machine.drainTimedOut())
        }
        switch framing {
        case .webSocket:
            writer.write(WebSocketFrameBytes.close(code: reason.code, reason: reason.reason))
            flush()
        case .sse:
            let written = channel.eventLoop.makePromise(of: Void.self)
            flush(promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in
                self.perform(self.machine.closeWritten())
            }
        }
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // SSE: the request's own parts and anything sent after them; nothing to answer.
        guard framing == .webSocket else { return }
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            perform(machine.pingReceived(frame.unmaskedData, canWrite: writer.isWritable))
        case .pong:
            machine.pongReceived()
        case .connectionClose:
            perform(machine.peerClosed(frame.unmaskedData))
        default:
            perform(machine.dataReceived())
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            close(.shuttingDown)
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The server allows half-closed sockets (for HTTP); a stream whose client stopped sending is done.
            perform(machine.connectionLost())
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.channelInactive())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("WebSocket error", metadata: ["error": .string("\(error)")])
        perform(machine.connectionLost())
    }
}
