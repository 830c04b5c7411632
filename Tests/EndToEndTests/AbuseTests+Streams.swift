import Common
import NetClients
import Simulation
import TestSupport
import Testing

/// Attacks on ws-gateway's streams, and the subscription drop that must not lose events.
extension AbuseTests {
    @Test("ping flood (~200 MB) from a client that never reads: the server closes it (peak RSS growth < 64 MiB)")
    func pingFlood() async throws {
        let target = try await AbuseTarget.start()
        let gateway = try target.attackedGateway
        var flood = (sent: 0, ending: HostilePeer.FloodEnding.sentAll)
        var end: RawSocket.ReadOutcome = .timedOut
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            let (socket, sent, ending) = try await HostilePeer.pingFlood(port: gateway.port, bytes: 200_000_000)
            flood = (sent, ending)
            // Reading now drains whatever the server queued; it must end the connection either way.
            end = await socket.readUntilClosed(timeout: .seconds(120)).outcome
        }
        #expect(end != .timedOut, "the flooding client was never disconnected (flood: \(flood.sent) bytes, \(flood.ending))")
        try await target.expectSurvived(gateway, growth: growth, boundMiB: 64, attack: "ping flood, \(flood.sent >> 20) MiB, \(flood.ending)")
        await target.stop()
    }

    @Test("since= with a filter matching nothing stops at --max-replay-scan with scan_limit and 4009 (peak RSS growth < 64 MiB)")
    func replayScanBudget() async throws {
        let target = try await AbuseTarget.start(gatewayArguments: ["--max-replay-scan", "50000"])
        let gateway = try target.attackedGateway
        try await Self.fillStream(target.redis, entries: 300_000)
        var first: (resume: StreamID?, close: UInt16?) = (nil, nil)
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            first = try await Self.scanUntilLimit(port: gateway.port, since: .zero)
        }
        let resume = try #require(first.resume, "no scan_limit control frame with a resume_since id")
        #expect(resume > .zero)
        #expect(first.close == 4009, "closed with \(first.close.map(String.init) ?? "no code"), expected 4009")
        // Resuming where the budget ended moves on: the next scan_limit is further along.
        let second = try await Self.scanUntilLimit(port: gateway.port, since: resume)
        let next = try #require(second.resume, "no scan_limit after resuming from \(resume)")
        #expect(next > resume, "resume_since must grow: \(resume) then \(next)")
        #expect(second.close == 4009)
        try await target.expectSurvived(gateway, growth: growth, boundMiB: 64, attack: "since= scan of 300,000 non-matching entries")
        await target.stop()
    }

    /// Adds `entries` small events straight to the stream, in the layout hook-ingest's script writes, 25,000 per
    /// script run so that Redis never blocks for long.
    static func fillStream(_ redis: RedisServer, entries: Int) async throws {
        let script = """
            for i = 1, tonumber(ARGV[1]) do
              redis.call('XADD', KEYS[1], '*', 'type', 'send', 'email', 'x@y.example', 'event', ARGV[2])
            end
            return redis.call('XLEN', KEYS[1])
            """
        let event = #"{"event":"send","_id":"abuse","ts":1764000000,"msg":{"email":"x@y.example"}}"#
        let client = redis.client()
        for _ in 0..<(entries / 25_000) {
            _ = try? await client.send("EVAL", script, "1", "mandrill:events", "25000", event)
        }
        let length = try? await client.send("XLEN", "mandrill:events")
        await client.shutdown()
        #expect(length?.int == entries, "the stream holds \(entries) entries")
    }

    /// Connects with `since=` and a filter nothing matches, and waits for the server to end the stream; returns
    /// the `resume_since` of its `scan_limit` control frame and the close code.
    static func scanUntilLimit(port: Int, since: StreamID) async throws -> (resume: StreamID?, close: UInt16?) {
        guard case .connected(let client) = try await WebSocketClient.connect(port: port, path: "/ws/email/?since=\(since)&types=nomatch") else {
            throw TestSupportError("since=\(since) was refused")
        }
        let collector = StreamCollector(client)
        try? await collector.waitForClose(timeout: .seconds(120))
        await client.disconnect()
        let snapshot = collector.snapshot
        let limit = snapshot.controls.first { $0["control"] == "scan_limit" }
        return (limit?["resume_since"].flatMap { StreamID($0) }, snapshot.close?.code)
    }

    @Test("a subscription dropped before the first event: the client still gets all 200 events once, in order (peak RSS growth < 64 MiB)")
    func subscriptionDroppedBeforeFirstEvent() async throws {
        let target = try await AbuseTarget.start()
        let gateway = try target.attackedGateway
        guard case .connected(let client) = try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/") else {
            throw TestSupportError("connect failed")
        }
        let collector = StreamCollector(client)
        try await collector.waitForLive()
        var factory = EventFactory(seed: 99)
        let batches = (0..<20).map { _ in SignedBatch(events: factory.batch(size: 10), signedURL: AbuseTarget.signedURL, key: AbuseTarget.key) }
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            let redis = target.redis.client()
            let killed = try await redis.send("CLIENT", "KILL", "TYPE", "pubsub")
            await redis.shutdown()
            #expect((killed.int ?? 0) >= 1, "the gateway's subscription was killed")
            for batch in batches {
                #expect(try await target.post(batch).status == 200)
            }
            try await waitUntil("200 entries in the stream") { try await target.streamLength() == 200 }
            try? await collector.waitForEvents(200, timeout: .seconds(60))
        }
        let checker = target.redis.client()
        let stored = StreamEntry.entries(in: try await checker.send("XRANGE", "mandrill:events", "-", "+")).map(\.id)
        await checker.shutdown()
        let received = collector.ids
        let exactlyTheStream = received == stored
        #expect(stored.count == 200)
        #expect(
            exactlyTheStream,
            "received \(received.count) of \(stored.count) (\(Set(stored).subtracting(received).count) missing, \(received.count - Set(received).count) duplicates)"
        )
        await client.disconnect()
        try await target.expectSurvived(gateway, growth: growth, boundMiB: 64, attack: "subscription killed before the first event")
        await target.stop()
    }
}
