import Common
import NIOCore
import NIOWebSocket

/// Lifecycle of one client stream: open (replaying history, then live) → closing (the close frame went out) → closed
/// (the channel is being closed) → finished (the channel is gone and its connection slot freed).
///
/// A value type that owns no sockets: ``StreamConnection`` feeds it what happened and carries out the action it
/// returns, so that every way a stream ends runs the same steps, once, and the rules are tested without sockets.
/// The position in the stream (replay then live, no gap, no duplicate) is ``ClientStreamState``'s; it stops taking
/// publications as soon as the stream leaves `open`.
struct StreamConnectionStateMachine: Sendable {
    enum State: Equatable, Sendable {
        /// Registered with its loop's hub. `awaitingPong`: a ping went out and no pong came back yet.
        case open(awaitingPong: Bool)
        /// Nothing more is delivered; the close frame went out (SSE: the end of the body is being written), and the
        /// stream waits for the client's close frame, the write, or the drain timeout.
        case closing
        /// The channel is being closed; the stream waits for it to go inactive.
        case closed
        /// The channel is inactive and the connection's slot was freed: nothing happens any more.
        case finished
    }

    enum Action: Equatable, Sendable {
        case none
        /// Answer the client's ping with a pong carrying its payload.
        case sendPong(ByteBuffer)
        /// Send a ping (SSE: a keep-alive comment).
        case sendPing
        /// Leave the hub, send the reason's notice, then the close frame (SSE: end the body), and arm the drain
        /// timeout.
        case startClosing(StreamCloseReason)
        /// Leave the hub, answer the client's close frame with this code, and close the channel.
        case answerClose(WebSocketErrorCode)
        /// Leave the hub (if still there) and close the channel without a close handshake.
        case closeChannel
        /// A WebSocket client missed a pong: count it as a dead peer, leave the hub and close the channel without a
        /// close handshake.
        case dropDeadPeer
        /// Leave the hub (if still there), cancel the timers and free the connection's slot.
        case release
    }

    /// What to do with one live publication. On the delivery path: no allocation, no indirection.
    enum Delivery: Equatable, Sendable {
        /// Not for this client, already sent, or queued behind the replay.
        case skip
        case send
        /// The replay's queue passed the limit; carry out ``Action/startClosing(_:)``.
        case startClosing(StreamCloseReason)
    }

    private(set) var state: State = .open(awaitingPong: false)
    private(set) var stream: ClientStreamState
    /// WebSocket clients answer pings; SSE keep-alive comments expect nothing (a dead SSE peer shows up as a failed
    /// write or a full queue instead).
    private let expectsPongs: Bool

    init(start: StreamRequest.Start, queueLimit: Int, expectsPongs: Bool) {
        self.stream = ClientStreamState(start: start, queueLimit: queueLimit)
        self.expectsPongs = expectsPongs
    }

    var isOpen: Bool {
        if case .open = state { return true }
        return false
    }

    // MARK: - Publications

    /// A live publication that matches this client's filter.
    mutating func receive(_ publication: Publication) -> Delivery {
        // The stream takes nothing once the connection left `open`: no need to look at `state` here.
        switch stream.receive(publication) {
        case .none: return .skip
        case .send: return .send
        case .overflow:
            guard case .startClosing(let reason) = close(.slowConsumer) else { return .skip }
            return .startClosing(reason)
        }
    }

    /// History up to and including `id` has been read (whether or not it matched the filter).
    mutating func replayed(through id: StreamID) {
        stream.replayed(through: id)
    }

    /// Ends the replay: the queued live publications the history did not cover, in order; `nil` once the stream is
    /// no longer open (nothing more goes out, not even the `live` notice).
    mutating func finishReplay() -> [Publication]? {
        guard isOpen else { return nil }
        return stream.finishReplay()
    }

    // MARK: - Closing

    /// The gateway ends the stream. Only the first reason counts: a stream that is already closing (or gone) stays
    /// as it is.
    mutating func close(_ reason: StreamCloseReason) -> Action {
        guard isOpen else { return .none }
        leaveOpen(for: .closing)
        return .startClosing(reason)
    }

    /// The client's queue is full (its socket did not take what was queued).
    mutating func queueFull() -> Action {
        close(.slowConsumer)
    }

    /// The drain timeout after our close frame ran out before the client answered.
    mutating func drainTimedOut() -> Action {
        guard state == .closing else { return .none }
        state = .closed
        return .closeChannel
    }

    /// SSE: the end of the body (everything queued before the close) was written, or failed to be.
    mutating func closeWritten() -> Action {
        drainTimedOut()
    }

    /// The client stopped sending (half-closed socket) or the channel reported an error: drop the connection.
    mutating func connectionLost() -> Action {
        switch state {
        case .open:
            leaveOpen(for: .closed)
            return .closeChannel
        case .closing:
            state = .closed
            return .closeChannel
        case .closed, .finished:
            return .none
        }
    }

    /// The channel is gone, whatever the state: free the connection's slot, once.
    mutating func channelInactive() -> Action {
        switch state {
        case .open:
            leaveOpen(for: .finished)
            return .release
        case .closing, .closed:
            state = .finished
            return .release
        case .finished:
            return .none
        }
    }

    // MARK: - Client frames (WebSocket)

    /// A pong joins the client's queue like any frame: a client that floods pings without reading would otherwise
    /// grow it without bound. Past the limit (`canWrite` false) it is a slow consumer.
    mutating func pingReceived(_ payload: ByteBuffer, canWrite: Bool) -> Action {
        guard isOpen else { return .none }
        return canWrite ? .sendPong(payload) : close(.slowConsumer)
    }

    mutating func pongReceived() {
        guard isOpen else { return }
        state = .open(awaitingPong: false)
    }

    /// A text, binary or continuation frame: clients may only send ping, pong and close.
    mutating func dataReceived() -> Action {
        close(.unsupportedData)
    }

    /// The client's close frame (its payload: code and reason). While open it starts the handshake and gets an
    /// answer that may go on the wire (never 1005, 1006 or 1015: RFC 6455 §7.4.1); while closing it answers ours.
    mutating func peerClosed(_ payload: ByteBuffer) -> Action {
        switch state {
        case .open:
            leaveOpen(for: .closed)
            return .answerClose(.reply(toClientClose: payload))
        case .closing:
            state = .closed
            return .closeChannel
        case .closed, .finished:
            return .none
        }
    }

    // MARK: - Pings

    /// The loop's ping timer: a WebSocket client that did not answer the previous ping is dead and dropped without
    /// a handshake; the others are pinged.
    mutating func pingTimerFired() -> Action {
        guard case .open(let awaitingPong) = state else { return .none }
        if awaitingPong {
            leaveOpen(for: .closed)
            return .dropDeadPeer
        }
        if expectsPongs { state = .open(awaitingPong: true) }
        return .sendPing
    }

    /// Leaves `open`: the stream stops taking publications and drops what the replay had queued.
    private mutating func leaveOpen(for next: State) {
        state = next
        stream.close()
    }
}
