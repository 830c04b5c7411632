import Common
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// SSE readers that stop reading: the gateway must end them like 4008 closes, without holding what they did not
/// read and without making anyone else wait.
extension AbuseTests {
    static let slowSSEReaders = 50
    /// 240 events of ~400 KiB (the attachment is in the event twice: in the raw message and in `attachments`), two per batch, so that one
    /// batch (~800 KiB) fits in the default 1 MiB queue of a client that reads. ~90 MiB in all: a gateway that kept
    /// what slow readers did not take would outgrow the bound. The bound leaves room for a gap fill (pages of up to
    /// 8 MiB of events, each held a few times while it is framed) should a loaded machine delay the subscription's
    /// heartbeat past its deadline.
    static let inboundBatches = 120
    static let inboundPerBatch = 2
    static let inboundAttachmentBytes = 192 * 1024

    @Test(
        "50 SSE readers that read nothing after the live notice while ~90 MiB of inbound mail is posted: each is ended, a fast reader gets every event once, in order (peak RSS growth < 64 MiB)"
    )
    func sseSlowReaders() async throws {
        let target = try await AbuseTarget.start()
        let gateway = try target.attackedGateway
        let port = gateway.port
        var slow: [SSEClient] = []
        for _ in 0..<Self.slowSSEReaders {
            // A small receive buffer: the kernel takes little of what the gateway writes to a reader that stopped.
            let stream = try await SSEClient.open(port: port, path: "/sse/email/", receiveBufferSize: 4096)
            #expect(stream.head.status == 200)
            #expect(try await stream.next()?.event == "control", "the live notice")
            slow.append(stream)
        }
        let fast = ResumingSSEClient(port: port)
        defer { fast.stop() }
        try await waitUntil("the fast reader to be live") { fast.wasLive }
        #expect(try await Self.sseStreams(port) == Self.slowSSEReaders + 1)

        // Signed batches of inbound mail with attachments, through hook-ingest: it keeps each event's JSON outside the
        // stream entry, as for every large event.
        var factory = EventFactory(seed: 61)
        factory.inboundAttachmentBytes = Self.inboundAttachmentBytes
        let batches = (0..<Self.inboundBatches).map { _ in
            SignedBatch(events: factory.batch(size: Self.inboundPerBatch, types: ["inbound"]), signedURL: AbuseTarget.signedURL, key: AbuseTarget.key)
        }
        var ids: [String] = []
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            for batch in batches {
                #expect(try await target.post(batch).status == 200)
            }
            ids = try await Self.storedIDs(target.redis)
            #expect(ids.count == Self.inboundBatches * Self.inboundPerBatch)
            try await waitUntil(
                "the fast reader to get every event (\(fast.ids.count) of \(ids.count), \(fast.connections) streams, refused: \(fast.refusals))",
                timeout: .seconds(180)
            ) {
                fast.ids.count >= ids.count
            }
            // Ended like a 4008 close: counted as slow consumers, and their streams gone from the gauge (the drain
            // timeout closes a socket whose reader never takes the rest).
            try await waitUntil("every slow reader ended", timeout: .seconds(120)) {
                let metrics = try await httpRequest(.GET, port: port, "/metrics").text
                return (Self.gauge("mandrill_gateway_slow_consumer_closes_total", in: metrics) ?? 0) >= Double(Self.slowSSEReaders)
                    && Self.gauge("mandrill_gateway_sse_connections", in: metrics) == 1
            }
        }
        #expect(fast.ids == ids, "the fast reader got every event once, in order")
        // Nor was it ended on the way, unless the subscription dropped (a loaded machine can delay its heartbeat past
        // the deadline): the gap fill then comes as one burst larger than any queue, and readers resume with
        // Last-Event-ID, as they did to get every event above.
        let metrics = try await httpRequest(.GET, port: port, "/metrics").text
        let reconnects = try #require(Self.gauge("mandrill_gateway_subscription_reconnects_total", in: metrics))
        if reconnects == 0 {
            #expect(fast.connections == 1, "the fast reader was ended (\(fast.connections) streams) while the slow ones were")
        }
        // What each slow reader got before the end is a gap-free prefix, and then the server closed its socket.
        for stream in slow {
            var received: [String] = []
            while let event = try await stream.next(timeout: .seconds(60)) { received.append(event.id ?? "") }
            #expect(received == Array(ids.prefix(received.count)))
            #expect(received.count < ids.count)
            stream.close()
        }
        fast.stop()
        try await waitUntil("mandrill_gateway_sse_connections back to 0", timeout: .seconds(60)) {
            try await Self.sseStreams(port) == 0
        }
        try await target.expectSurvived(
            gateway,
            growth: growth,
            boundMiB: 64,
            attack: "\(Self.slowSSEReaders) SSE readers not reading, \(ids.count) inbound events of ~\(2 * Self.inboundAttachmentBytes >> 10) KiB"
        )
        await target.stop()
    }

    static func storedIDs(_ redis: RedisServer) async throws -> [String] {
        let client = redis.client()
        let reply = try await client.send("XRANGE", "mandrill:events", "-", "+")
        await client.shutdown()
        return StreamEntry.entries(in: reply).map(\.id.description)
    }

    static func sseStreams(_ port: Int) async throws -> Int? {
        let metrics = try await httpRequest(.GET, port: port, "/metrics").text
        return gauge("mandrill_gateway_sse_connections", in: metrics).map { Int($0) }
    }
}
