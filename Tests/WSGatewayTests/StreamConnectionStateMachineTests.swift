import Common
import NIOCore
import NIOWebSocket
import Testing

@testable import ws_gateway

private func publication(_ ms: UInt64, bytes: Int = 0) -> Publication {
    Publication(
        id: StreamID(milliseconds: ms, sequence: 0),
        attributes: EventAttributes(type: "open", email: "", tags: [], subaccount: ""),
        envelope: Array(repeating: 65, count: bytes)
    )
}

/// A close frame's payload: the code (if any) and a reason.
private func closePayload(_ code: UInt16?, reason: String = "") -> ByteBuffer {
    var buffer = ByteBuffer()
    if let code { buffer.writeInteger(code) }
    buffer.writeString(reason)
    return buffer
}

private func webSocket(_ start: StreamRequest.Start = .live, queueLimit: Int = 1 << 20) -> StreamConnectionStateMachine {
    StreamConnectionStateMachine(start: start, queueLimit: queueLimit, expectsPongs: true)
}

private func sse(_ start: StreamRequest.Start = .live) -> StreamConnectionStateMachine {
    StreamConnectionStateMachine(start: start, queueLimit: 1 << 20, expectsPongs: false)
}

@Suite("Stream connection state machine: open → closing → closed → finished")
struct StreamConnectionStateMachineTests {
    @Test("a live client gets each publication once, in order")
    func live() {
        var machine = webSocket()
        #expect(machine.state == .open(awaitingPong: false))
        #expect(machine.receive(publication(1)) == .send)
        #expect(machine.receive(publication(2)) == .send)
        #expect(machine.receive(publication(2)) == .skip, "a repeated id is not sent twice")
        #expect(machine.isOpen)
    }

    @Test("pings expect a pong by the next ping; a missed pong drops the peer without a handshake")
    func pings() {
        var machine = webSocket()
        #expect(machine.pingTimerFired() == .sendPing)
        #expect(machine.state == .open(awaitingPong: true))
        machine.pongReceived()
        #expect(machine.state == .open(awaitingPong: false))
        #expect(machine.pingTimerFired() == .sendPing)
        #expect(machine.pingTimerFired() == .dropDeadPeer)
        #expect(machine.state == .closed)
        #expect(machine.receive(publication(1)) == .skip, "a dropped peer gets nothing more")
        #expect(machine.pingTimerFired() == .none)
        machine.pongReceived()
        #expect(machine.state == .closed, "a pong after the drop changes nothing")
        #expect(machine.channelInactive() == .release)
        #expect(machine.state == .finished)
    }

    @Test("SSE keep-alives expect no answer: a silent SSE client is never taken for a dead peer")
    func sseKeepAlive() {
        var machine = sse()
        for _ in 0..<3 { #expect(machine.pingTimerFired() == .sendPing) }
        #expect(machine.state == .open(awaitingPong: false))
    }

    @Test("the client's pings are answered while open; past the queue limit the client is a slow consumer")
    func clientPings() {
        var machine = webSocket()
        let payload = ByteBuffer(string: "hi")
        #expect(machine.pingReceived(payload, canWrite: true) == .sendPong(payload))
        #expect(machine.pingReceived(payload, canWrite: false) == .startClosing(.slowConsumer))
        #expect(machine.state == .closing)
        #expect(machine.pingReceived(payload, canWrite: true) == .none, "no pong once closing")
    }

    @Test("the gateway closes: one close frame, then the client's answer closes the channel")
    func serverCloses() {
        var machine = webSocket()
        #expect(machine.close(.shuttingDown) == .startClosing(.shuttingDown))
        #expect(machine.state == .closing)
        #expect(machine.close(.shuttingDown) == .none, "a second close sends nothing")
        #expect(machine.close(.tokenExpired) == .none, "the token expiring while closing changes nothing")
        #expect(machine.queueFull() == .none)
        #expect(machine.dataReceived() == .none)
        #expect(machine.receive(publication(1)) == .skip)
        #expect(machine.pingTimerFired() == .none, "a closing client is not pinged")
        machine.pongReceived()
        #expect(machine.state == .closing, "a pong after our close changes nothing")
        #expect(machine.peerClosed(closePayload(1001)) == .closeChannel)
        #expect(machine.state == .closed)
        #expect(machine.drainTimedOut() == .none, "the drain timer firing after the handshake does nothing")
        #expect(machine.peerClosed(closePayload(1000)) == .none)
        #expect(machine.channelInactive() == .release)
        #expect(machine.channelInactive() == .none, "the slot is freed once")
    }

    @Test("a client that does not answer our close is dropped at the drain timeout")
    func drainTimeout() {
        var machine = webSocket()
        #expect(machine.close(.slowConsumer) == .startClosing(.slowConsumer))
        #expect(machine.drainTimedOut() == .closeChannel)
        #expect(machine.state == .closed)
        #expect(machine.drainTimedOut() == .none)
        #expect(machine.peerClosed(closePayload(1000)) == .none, "a late answer changes nothing")
        #expect(machine.channelInactive() == .release)
    }

    @Test("the drain timer does nothing while the stream is open")
    func drainWhileOpen() {
        var machine = webSocket()
        #expect(machine.drainTimedOut() == .none)
        #expect(machine.closeWritten() == .none)
        #expect(machine.isOpen)
    }

    @Test("SSE: the channel closes once the end of the body was written, or at the drain timeout, once")
    func sseClose() {
        var written = sse()
        #expect(written.close(.tokenExpired) == .startClosing(.tokenExpired))
        #expect(written.closeWritten() == .closeChannel)
        #expect(written.drainTimedOut() == .none)
        var stuck = sse()
        #expect(stuck.close(.shuttingDown) == .startClosing(.shuttingDown))
        #expect(stuck.drainTimedOut() == .closeChannel)
        #expect(stuck.closeWritten() == .none)
    }

    @Test("the client closes first: answered with its code, or 1000 when it sent none")
    func clientCloses() {
        var machine = webSocket()
        #expect(machine.peerClosed(closePayload(1001, reason: "bye")) == .answerClose(.goingAway))
        #expect(machine.state == .closed)
        #expect(machine.receive(publication(1)) == .skip)
        #expect(machine.close(.shuttingDown) == .none, "no close frame after the answer")
        #expect(machine.peerClosed(closePayload(1000)) == .none)
        var empty = webSocket()
        #expect(empty.peerClosed(ByteBuffer()) == .answerClose(.normalClosure))
        var application = webSocket()
        #expect(application.peerClosed(closePayload(4000)) == .answerClose(.unknown(4000)))
    }

    @Test("a client close carrying a code that must not be sent is a protocol error, never echoed", arguments: [1005, 1006, 1015] as [UInt16])
    func reservedCodesNotEchoed(code: UInt16) {
        var machine = webSocket()
        let action = machine.peerClosed(closePayload(code))
        #expect(action == .answerClose(.protocolError))
        guard case .answerClose(let answer) = action else { return }
        #expect(answer.wireValue != code)
        #expect(WebSocketErrorCode.mayBeSent(answer.wireValue))
    }

    @Test("a data frame closes with 1003")
    func dataFrame() {
        var machine = webSocket()
        #expect(machine.dataReceived() == .startClosing(.unsupportedData))
        #expect(machine.dataReceived() == .none)
    }

    @Test("a full socket queue on delivery closes as a slow consumer, once")
    func queueFull() {
        var machine = webSocket()
        #expect(machine.receive(publication(1)) == .send)
        #expect(machine.queueFull() == .startClosing(.slowConsumer))
        #expect(machine.queueFull() == .none)
        #expect(machine.receive(publication(2)) == .skip)
    }

    @Test("closing while replaying drops what the replay queued, and the replay's end sends nothing")
    func closeWhileReplaying() {
        var machine = webSocket(.backlog(10))
        #expect(machine.receive(publication(5)) == .skip, "queued behind the replay")
        machine.replayed(through: StreamID(milliseconds: 4, sequence: 0))
        #expect(machine.close(.historyUnavailable) == .startClosing(.historyUnavailable))
        #expect(machine.finishReplay() == nil)
        #expect(machine.receive(publication(6)) == .skip)
        #expect(!machine.stream.isLive)
    }

    @Test("a replay whose queue passes the limit closes the client as a slow consumer")
    func replayOverflow() {
        var machine = webSocket(.backlog(10), queueLimit: 100)
        #expect(machine.receive(publication(1, bytes: 60)) == .skip)
        #expect(machine.receive(publication(2, bytes: 60)) == .startClosing(.slowConsumer))
        #expect(machine.state == .closing)
        #expect(machine.receive(publication(3)) == .skip)
        #expect(machine.finishReplay() == nil)
    }

    @Test("the replay's end hands over what history did not cover, then the client is live")
    func replayThenLive() throws {
        var machine = webSocket(.since(StreamID(milliseconds: 2, sequence: 0)))
        #expect(machine.receive(publication(2)) == .skip)
        #expect(machine.receive(publication(4)) == .skip)
        #expect(machine.receive(publication(5)) == .skip)
        machine.replayed(through: StreamID(milliseconds: 4, sequence: 0))
        let finished = machine.finishReplay()
        let pending = try #require(finished)
        #expect(pending.map(\.id.milliseconds) == [5])
        #expect(machine.stream.isLive)
        #expect(machine.receive(publication(5)) == .skip)
        #expect(machine.receive(publication(6)) == .send)
    }

    @Test("the scan limit closes with 4009 and tells the client where to resume")
    func scanLimit() {
        var machine = webSocket(.since(.zero))
        let resume = StreamID(milliseconds: 9, sequence: 3)
        #expect(machine.close(.replayScanLimit(resumeSince: resume)) == .startClosing(.replayScanLimit(resumeSince: resume)))
        let reason = StreamCloseReason.replayScanLimit(resumeSince: resume)
        #expect(reason.code == .replayScanLimit)
        #expect(reason.notice == #"{"control":"scan_limit","resume_since":"9-3"}"#)
        #expect(reason.reason == "replay scan limit: reconnect with since=9-3")
    }

    @Test("token expiry says so before closing with 4001; after a close it does nothing")
    func tokenExpiry() {
        var machine = webSocket()
        #expect(machine.close(.tokenExpired) == .startClosing(.tokenExpired))
        #expect(StreamCloseReason.tokenExpired.notice == #"{"control":"token_expired"}"#)
        #expect(StreamCloseReason.tokenExpired.code == .tokenExpired)
        var closed = webSocket()
        _ = closed.peerClosed(closePayload(1000))
        #expect(closed.close(.tokenExpired) == .none)
        var gone = webSocket()
        _ = gone.channelInactive()
        #expect(gone.close(.tokenExpired) == .none)
    }

    @Test("the channel going inactive frees the slot from any state, once")
    func channelInactive() {
        var open = webSocket()
        #expect(open.channelInactive() == .release)
        #expect(open.state == .finished)
        #expect(open.receive(publication(1)) == .skip)
        #expect(open.close(.shuttingDown) == .none)
        #expect(open.peerClosed(closePayload(1000)) == .none)
        #expect(open.pingTimerFired() == .none)
        #expect(open.connectionLost() == .none)
        #expect(open.channelInactive() == .none)
        var closing = webSocket()
        _ = closing.close(.shuttingDown)
        #expect(closing.channelInactive() == .release)
        var closed = webSocket()
        _ = closed.connectionLost()
        #expect(closed.channelInactive() == .release)
    }

    @Test("a half-closed socket or a channel error drops the connection without a handshake")
    func connectionLost() {
        var open = webSocket()
        #expect(open.connectionLost() == .closeChannel)
        #expect(open.state == .closed)
        #expect(open.receive(publication(1)) == .skip)
        #expect(open.connectionLost() == .none)
        var closing = webSocket()
        _ = closing.close(.shuttingDown)
        #expect(closing.connectionLost() == .closeChannel)
        #expect(closing.drainTimedOut() == .none)
    }
}
