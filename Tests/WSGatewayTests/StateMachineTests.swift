import Common
import HTTPTypes
import Testing

@testable import ws_gateway

private func publication(_ ms: UInt64, _ seq: UInt64 = 0) -> Publication {
    Publication(
        id: StreamID(milliseconds: ms, sequence: seq),
        attributes: EventAttributes(type: "open", email: "", tags: [], subaccount: ""),
        envelope: []
    )
}

@Suite("Stream sequencer: gap fill after subscription drops")
struct StreamSequencerTests {
    @Test("first subscription reads the stream's newest id, then goes live with what arrived meanwhile")
    func firstSubscription() {
        var sequencer = StreamSequencer()
        let action = sequencer.subscribed()
        #expect(action.readTip && action.readGap == nil)
        #expect(!sequencer.isLive)
        // 4 was stored before the subscription (the tip); 5 arrived live while the tip was read.
        #expect(sequencer.received(publication(4)).deliver.isEmpty)
        #expect(sequencer.received(publication(5)).deliver.isEmpty)
        #expect(sequencer.tipRead(StreamID(milliseconds: 4, sequence: 0)).deliver.map(\.id.milliseconds) == [5])
        #expect(sequencer.isLive)
        #expect(sequencer.received(publication(6)).deliver.map(\.id.milliseconds) == [6])
        #expect(sequencer.received(publication(6)).deliver.isEmpty, "a repeated id is dropped")
    }

    @Test("a drop before the first event still fills the gap from the stream's newest id at subscription")
    func dropBeforeFirstEvent() {
        var sequencer = StreamSequencer()
        _ = sequencer.subscribed()
        _ = sequencer.tipRead(StreamID(milliseconds: 4, sequence: 0))
        sequencer.dropped()
        #expect(sequencer.subscribed().checkPosition == StreamID(milliseconds: 4, sequence: 0))
        #expect(sequencer.positionChecked(lastShared: StreamID(milliseconds: 4, sequence: 0)).readGap == StreamID(milliseconds: 4, sequence: 0))
        let gap = sequencer.gapRead([publication(5), publication(6)], through: StreamID(milliseconds: 6, sequence: 0), complete: true)
        #expect(gap.deliver.map(\.id.milliseconds) == [5, 6])
        #expect(sequencer.isLive)
    }

    @Test("an empty stream's tip is 0-0: everything after it is new")
    func emptyStreamTip() {
        var sequencer = StreamSequencer()
        _ = sequencer.subscribed()
        _ = sequencer.received(publication(1))
        #expect(sequencer.tipRead(.zero).deliver.map(\.id.milliseconds) == [1])
    }

    @Test("after a drop: read the gap, hold live messages, then deliver gap and held messages once, in order")
    func gapThenBuffered() {
        var sequencer = StreamSequencer()
        _ = sequencer.subscribed()
        _ = sequencer.tipRead(.zero)
        _ = sequencer.received(publication(10))
        sequencer.dropped()
        #expect(sequencer.received(publication(11)).deliver.isEmpty, "nothing is delivered while down")
        #expect(sequencer.subscribed().checkPosition == StreamID(milliseconds: 10, sequence: 0))
        let position = sequencer.positionChecked(lastShared: StreamID(milliseconds: 10, sequence: 0))
        #expect(position.readGap == StreamID(milliseconds: 10, sequence: 0) && !position.rolledBack)
        // Live messages arrive while the gap is read; 13 is in both.
        #expect(sequencer.received(publication(13)).deliver.isEmpty)
        #expect(sequencer.received(publication(14)).deliver.isEmpty)
        let first = sequencer.gapRead([publication(11), publication(12)], through: StreamID(milliseconds: 12, sequence: 0), complete: false)
        #expect(first.deliver.map(\.id.milliseconds) == [11, 12])
        #expect(first.readGap == StreamID(milliseconds: 12, sequence: 0))
        let last = sequencer.gapRead([publication(13)], through: StreamID(milliseconds: 13, sequence: 0), complete: true)
        #expect(last.deliver.map(\.id.milliseconds) == [13, 14])
        #expect(sequencer.isLive)
        #expect(sequencer.received(publication(14)).deliver.isEmpty)
        #expect(sequencer.received(publication(15)).deliver.map(\.id.milliseconds) == [15])
    }

    @Test("after a failover that lost delivered events, the gap is read from the newest entry both primaries hold")
    func rollback() {
        var sequencer = StreamSequencer()
        _ = sequencer.subscribed()
        _ = sequencer.tipRead(.zero)
        for ms in [5, 8, 10] { _ = sequencer.received(publication(UInt64(ms))) }
        sequencer.dropped()
        #expect(sequencer.subscribed().checkPosition == StreamID(milliseconds: 10, sequence: 0))
        #expect(sequencer.received(publication(12)).deliver.isEmpty, "held while the position is checked")
        // The new primary has 5 but neither 8 nor 10; it stored 9 since (its clock runs behind), then 12.
        let position = sequencer.positionChecked(lastShared: StreamID(milliseconds: 5, sequence: 0))
        #expect(position.rolledBack)
        #expect(position.readGap == StreamID(milliseconds: 5, sequence: 0))
        #expect(sequencer.positionChecked(lastShared: .zero).readGap == nil, "checked once per subscription")
        let gap = sequencer.gapRead([publication(9), publication(12)], through: StreamID(milliseconds: 12, sequence: 0), complete: true)
        #expect(gap.deliver.map(\.id.milliseconds) == [9, 12], "9 sorts before the lost 10 but is new")
        #expect(sequencer.isLive)
    }

    @Test("no entry at or before the last delivered id (the older ones were trimmed) is not a rollback")
    func positionTrimmed() {
        var sequencer = StreamSequencer()
        _ = sequencer.subscribed()
        _ = sequencer.tipRead(.zero)
        _ = sequencer.received(publication(3))
        sequencer.dropped()
        _ = sequencer.subscribed()
        let position = sequencer.positionChecked(lastShared: nil)
        #expect(!position.rolledBack)
        #expect(position.readGap == StreamID(milliseconds: 3, sequence: 0))
    }

    @Test("entries that are not events still move the cursor, so paging cannot loop")
    func foreignEntriesAdvance() {
        var sequencer = StreamSequencer()
        _ = sequencer.subscribed()
        _ = sequencer.tipRead(.zero)
        _ = sequencer.received(publication(1))
        sequencer.dropped()
        _ = sequencer.subscribed()
        let action = sequencer.gapRead([], through: StreamID(milliseconds: 9, sequence: 0), complete: false)
        #expect(action.readGap == StreamID(milliseconds: 9, sequence: 0))
    }

    @Test("a full hold buffer is dropped and read back from the stream instead")
    func overflow() {
        var sequencer = StreamSequencer(bufferLimit: 2)
        _ = sequencer.subscribed()
        _ = sequencer.tipRead(.zero)
        _ = sequencer.received(publication(1))
        sequencer.dropped()
        _ = sequencer.subscribed()
        for ms in 2...5 { _ = sequencer.received(publication(UInt64(ms))) }
        let action = sequencer.gapRead([publication(2)], through: StreamID(milliseconds: 2, sequence: 0), complete: true)
        #expect(action.deliver.map(\.id.milliseconds) == [2])
        #expect(action.readGap == StreamID(milliseconds: 2, sequence: 0), "must read again: held messages were dropped")
        #expect(!sequencer.isLive)
        let rest = sequencer.gapRead(
            [publication(3), publication(4), publication(5)],
            through: StreamID(milliseconds: 5, sequence: 0),
            complete: true
        )
        #expect(rest.deliver.map(\.id.milliseconds) == [3, 4, 5])
        #expect(sequencer.isLive)
    }
}

@Suite("Client stream state: replay then live, no gap, no duplicate")
struct ClientStreamStateTests {
    @Test("live messages wait behind the replay; those the replay covered are dropped")
    func replayThenLive() {
        var state = ClientStreamState(start: .backlog(10), queueLimit: 1 << 20)
        #expect(state.receive(publication(5)) == .none)
        #expect(state.receive(publication(6)) == .none)
        #expect(state.receive(publication(7)) == .none)
        state.replayed(through: StreamID(milliseconds: 6, sequence: 0))
        #expect(state.finishReplay().map(\.id.milliseconds) == [7])
        #expect(state.isLive)
        #expect(state.receive(publication(7)) == .none)
        #expect(state.receive(publication(8)) == .send)
    }

    @Test("a replay whose queue passes the limit asks to close the client as slow")
    func replayOverflow() {
        var state = ClientStreamState(start: .backlog(10), queueLimit: 10)
        let big = Publication(
            id: StreamID(milliseconds: 1, sequence: 0),
            attributes: EventAttributes(type: "", email: "", tags: [], subaccount: ""),
            envelope: Array(repeating: 65, count: 20)
        )
        #expect(state.receive(big) == .overflow)
        #expect(state.receive(publication(2)) == .none)
    }

    @Test("since= with no history after it: live events up to since are never sent")
    func sinceSeedsTheCursor() {
        var state = ClientStreamState(start: .since(StreamID(milliseconds: 6, sequence: 0)), queueLimit: 1 << 20)
        #expect(state.receive(publication(5)) == .none)
        #expect(state.receive(publication(6)) == .none)
        #expect(state.receive(publication(7)) == .none)
        // The history read came back empty: nothing moved the cursor.
        #expect(state.finishReplay().map(\.id.milliseconds) == [7])
    }
}

@Suite("WebSocket admission and query parsing")
struct AdmissionTests {
    private func admission(_ configure: (inout GatewayConfiguration) -> Void = { _ in }) async throws -> WebSocketAdmission {
        var configuration = GatewayConfiguration()
        configure(&configuration)
        let access = try await AccessPolicy.load(configuration.access, listenHost: configuration.host)
        return try WebSocketAdmission(configuration: configuration, access: access)
    }

    private let key: HTTPFields = [.secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==", .secWebSocketVersion: "13"]

    @Test("queries parse into filters and a start")
    func query() throws {
        let request = try StreamRequest(query: QueryParameters(["types": "open,click", "email": "A@B.c", "since": "5-1"]), maxBacklog: 10)
        #expect(request.filter == EventFilter(types: ["open", "click"], emails: ["a@b.c"]))
        #expect(request.start == .since(StreamID(milliseconds: 5, sequence: 1)))
        #expect(try StreamRequest(query: QueryParameters(["backlog": "10"]), maxBacklog: 10).start == .backlog(10))
        #expect(try StreamRequest(query: QueryParameters([:]), maxBacklog: 10).start == .live)
        #expect(throws: QueryError.self) { try StreamRequest(query: QueryParameters(["backlog": "11"]), maxBacklog: 10) }
        #expect(throws: QueryError.self) { try StreamRequest(query: QueryParameters(["since": "x"]), maxBacklog: 10) }
        #expect(throws: QueryError.self) { try StreamRequest(query: QueryParameters(["since": "1-0", "backlog": "1"]), maxBacklog: 10) }
    }

    private func isAccepted(_ decision: WebSocketAdmission.Decision) -> Bool {
        if case .accept = decision { return true }
        return false
    }

    @Test("tokens: Bearer, the bearer subprotocol pair, or the query; a wrong one is 401")
    func tokens() async throws {
        let secured = try await admission { $0.access.tokens = ["s3cret"] }
        let missing = await secured.evaluate(query: nil, headers: key, host: "localhost:1")
        #expect(missing == .refuse(status: .unauthorized, reason: AccessError.missing.description))
        let wrong = await secured.evaluate(query: "token=guess", headers: key, host: "localhost:1")
        #expect(wrong == .refuse(status: .unauthorized, reason: AccessError.signature.description))
        let query = await secured.evaluate(query: "token=s3cret", headers: key, host: "localhost:1")
        #expect(isAccepted(query))
        var bearer = key
        bearer[.authorization] = "Bearer s3cret"
        let header = await secured.evaluate(query: nil, headers: bearer, host: "localhost:1")
        #expect(isAccepted(header))
        var subprotocol = key
        subprotocol[.secWebSocketProtocol] = "bearer, bearer.s3cret"
        guard case .accept(let admitted) = await secured.evaluate(query: nil, headers: subprotocol, host: "localhost:1") else {
            Issue.record("subprotocol token refused")
            return
        }
        #expect(admitted.selectsBearer)
        // Without a token option, a gateway on loopback is open and never waits for a verifier.
        let open = try await admission()
        #expect(open.evaluateWithoutWaiting(query: nil, headers: key, host: "127.0.0.1:1").map(isAccepted) == true)
        #expect(secured.evaluateWithoutWaiting(query: "token=s3cret", headers: key, host: "127.0.0.1:1") == nil)
    }

    @Test("origins match scheme, host and port: own origin by default, or the configured list")
    func origins() async throws {
        let open = try await admission()
        var sameOrigin = key
        sameOrigin[.origin] = "http://localhost:1"
        #expect(isAccepted(await open.evaluate(query: nil, headers: sameOrigin, host: "localhost:1")))
        for foreign in ["https://evil.example", "https://localhost:1", "http://localhost:2", "http://localhost", "null"] {
            var headers = key
            headers[.origin] = foreign
            let decision = await open.evaluate(query: nil, headers: headers, host: "localhost:1")
            #expect(
                decision == .refuse(status: .forbidden, reason: "origin not allowed (scheme, host and port must match --allowed-origins)"),
                "\(foreign)"
            )
        }
        var proxied = key
        proxied[.origin] = "https://localhost"
        proxied[HTTPField.Name("X-Forwarded-Proto")!] = "https"
        #expect(isAccepted(await open.evaluate(query: nil, headers: proxied, host: "localhost")))
        let listed = try await admission { $0.allowedOrigins = ["https://dash.example"] }
        var dash = key
        dash[.origin] = "https://dash.example:443/"
        #expect(isAccepted(await listed.evaluate(query: nil, headers: dash, host: "localhost:1")))
        dash[.origin] = "http://dash.example"
        #expect(!isAccepted(await listed.evaluate(query: nil, headers: dash, host: "localhost:1")))
    }

    @Test("a Host that is not allowed is 421, before anything else is looked at (DNS rebinding)")
    func hosts() async throws {
        let loopback = try await admission()
        for host in ["evil.example", "evil.example:8081", "127.0.0.1.evil.example", ""] {
            let decision = await loopback.evaluate(query: "token=x", headers: key, host: host)
            #expect(decision == .refuse(status: .misdirectedRequest, reason: AccessPolicy.hostRefusal.message), "\(host)")
        }
        for host in ["localhost", "LOCALHOST:8081", "127.0.0.1:9", "[::1]:8081", "localhost."] {
            #expect(isAccepted(await loopback.evaluate(query: nil, headers: key, host: host)), "\(host)")
        }
        let listed = try await admission { $0.access.allowedHosts = ["events.example.com"] }
        #expect(isAccepted(await listed.evaluate(query: nil, headers: key, host: "events.example.com:443")))
        #expect(!isAccepted(await listed.evaluate(query: nil, headers: key, host: "localhost")))
    }

    @Test("on a public address with no token option, streams are refused with 403 unless --public-read")
    func publicAddress() async throws {
        let closed = try await admission { $0.host = "0.0.0.0" }
        let refused = await closed.evaluate(query: nil, headers: key, host: "gw.example")
        #expect(refused == .refuse(status: .forbidden, reason: AccessPolicy.openReadRefusal.message))
        let open = try await admission {
            $0.host = "0.0.0.0"
            $0.access.publicRead = true
        }
        #expect(isAccepted(await open.evaluate(query: nil, headers: key, host: "gw.example")))
    }

    @Test("handshake keys must be 16 bytes of base64", arguments: ["", "short", "dGhlIHNhbXBsZSBub25jZQ", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
    func badKeys(key: String) {
        #expect(!WebSocketAdmission.isValidKey(key))
    }

    @Test("connection slots stop at the limit and free up again")
    func slots() async throws {
        let limited = try await admission { $0.maxConnections = 2 }
        #expect(limited.reserveSlot())
        #expect(limited.reserveSlot())
        #expect(!limited.reserveSlot())
        limited.releaseSlot()
        #expect(limited.reserveSlot())
    }
}
