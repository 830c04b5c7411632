import Common
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NetClients
import Simulation
import TestSupport
import Testing

@testable import ws_gateway

@Suite("ws-gateway: filters, backlog and resume against a real Redis")
struct StreamingTests {
    @Test("each filter and their combinations deliver exactly the matching events, in order")
    func filters() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 12)
        let events = factory.batch(size: 130)
        try await GatewayHarness(redis: redis).run { port, _ in
            let queries = [
                "", "types=open,click", "types=blacklist", "email=SUPPORT@inbound.example.com", "tag=welcome", "subaccount=acme-eu",
                "types=open,click,send&tag=welcome,digest", "types=inbound&email=nobody@example.com",
            ]
            var clients: [(String, WebSocketClient, StreamCollector)] = []
            for query in queries {
                let (client, collector) = try await connect(port: port, query: query)
                try await collector.waitForLive()
                clients.append((query, client, collector))
            }
            let ids = try await publisher.publish(events)
            let entries = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "-", "+"))
            #expect(entries.map(\.id) == ids)
            for (query, client, collector) in clients {
                var parameters: [String: String] = [:]
                for pair in query.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    parameters[String(parts[0])] = String(parts[1])
                }
                let filter = EventFilter(
                    types: parameters["types"],
                    emails: parameters["email"],
                    tags: parameters["tag"],
                    subaccounts: parameters["subaccount"]
                )
                let expected = entries.filter { filter.matches($0.attributes) }.map(\.id)
                if expected.isEmpty {
                    // Publish one more event everybody gets, then check nothing else came first.
                    continue
                }
                try await collector.waitForEvents(expected.count)
                #expect(collector.ids == expected, "query \(query)")
                await client.disconnect()
            }
            #expect(clients.filter { $0.0.contains("nobody") }.allSatisfy { $0.2.ids.isEmpty })
        }
        await publisher.redis.shutdown()
    }

    @Test("tokens pinned to a subaccount narrow each client's filter, with or without a query of its own; a filter left empty receives nothing")
    func pinnedTokens() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 14)
        let events = factory.batch(size: 130)
        let secret = String(repeating: "s", count: 32)
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.access.jwtSecrets = [.init(keyID: nil, secret: secret)] }
        try await harness.run { port, _ in
            let acme = ReaderScope(subaccounts: ["acme-eu"])
            // (token scope, query, the filter the client must get)
            let cases: [(ReaderScope, String, EventFilter)] = [
                (acme, "", EventFilter(subaccounts: ["acme-eu"])),
                (acme, "", EventFilter(subaccounts: ["acme-eu"])),
                (acme, "types=open,click", EventFilter(types: ["open", "click"], subaccounts: ["acme-eu"])),
                (ReaderScope(subaccounts: ["other"]), "", EventFilter(subaccounts: ["other"])),
                (.everything, "", EventFilter()),
                (.everything, "types=open,click", EventFilter(types: ["open", "click"])),
            ]
            var clients: [(WebSocketClient, StreamCollector, EventFilter)] = []
            for (scope, query, filter) in cases {
                let token = try await ReaderTokenMinter.hs256(secret: secret, scope: scope)
                let (client, collector) = try await connect(port: port, query: query, headers: [("Authorization", "Bearer \(token)")])
                try await collector.waitForLive()
                clients.append((client, collector, filter))
            }
            // Asks for a subaccount its token does not allow: connected, but never receives anything.
            let deniedToken = try await ReaderTokenMinter.hs256(secret: secret, scope: acme)
            let (denied, deniedCollector) = try await connect(
                port: port,
                query: "subaccount=other",
                headers: [("Authorization", "Bearer \(deniedToken)")]
            )
            try await deniedCollector.waitForLive()
            let ids = try await publisher.publish(events)
            let entries = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "-", "+"))
            #expect(entries.map(\.id) == ids)
            #expect(entries.contains { $0.attributes.subaccount == "acme-eu" } && entries.contains { $0.attributes.subaccount.isEmpty })
            // Those that expect nothing are looked at last, once the others received everything they should.
            let expectations = clients.map { client, collector, filter in
                (client, collector, filter, entries.filter { filter.matches($0.attributes) }.map(\.id))
            }
            for (client, collector, filter, expected) in expectations.sorted(by: { $0.3.count > $1.3.count }) {
                try await collector.waitForEvents(expected.count)
                #expect(collector.ids == expected, "\(filter)")
                await client.disconnect()
            }
            #expect(expectations.contains { $0.3.isEmpty })
            #expect(deniedCollector.ids.isEmpty)
            await denied.disconnect()
        }
        await publisher.redis.shutdown()
    }

    @Test("backlog=N sends the last N matching events oldest first, then live")
    func backlog() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 13)
        let ids = try await publisher.publish(factory.batch(size: 40, types: ["open", "send"]))
        let laterOpen = factory.event(type: "open")
        try await GatewayHarness(redis: redis).run { port, _ in
            let (client, collector) = try await connect(port: port, query: "backlog=5&types=open")
            try await collector.waitForLive()
            let entries = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "-", "+"))
            #expect(entries.map(\.id) == ids)
            let opens = entries.filter { $0.type == "open" }.map(\.id)
            #expect(collector.ids == Array(opens.suffix(5)))
            let next = try await publisher.publish(laterOpen)
            try await collector.waitForEvents(6)
            #expect(collector.ids.last == next)
            await client.disconnect()
        }
        await publisher.redis.shutdown()
    }

    @Test("since= replays, then goes live with no gap and no duplicate while events keep arriving")
    func sinceWhilePublishing() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 14)
        let events = factory.batch(size: 3000, types: EventFactory.messageTypes)
        var harness = GatewayHarness(redis: redis)
        // Room for every event in the client's queue: this is about the hand-over from replay to live, not about
        // slow consumers (an in-process client on a loaded machine can fall behind the default 1 MiB and get 4008).
        harness.configure = { $0.maxQueueBytes = 64 << 20 }
        try await harness.run { port, _ in
            let firstIDs = try await publisher.publish(Array(events.prefix(500)))
            let resumeFrom = firstIDs[99]
            let rest = Array(events.dropFirst(500))
            async let publishing = publisher.publish(rest)
            // Connect while the publisher is busy: the replay overlaps live traffic.
            let (client, collector) = try await connect(port: port, query: "since=\(resumeFrom)")
            _ = try await publishing
            let all = try await publisher.allIDs()
            let expected = Array(all.drop { $0 <= resumeFrom })
            try await collector.waitForEvents(expected.count)
            #expect(collector.ids == expected)
            #expect(collector.snapshot.controls.first?["control"] == "live")
            await client.disconnect()
        }
        await publisher.redis.shutdown()
    }

    @Test("since= older than the retained stream: a history_trimmed notice, then what is left")
    func trimmedHistory() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher(maxLength: 10)
        var factory = EventFactory(seed: 15)
        let ids = try await publisher.publish(factory.batch(size: 30))
        try await GatewayHarness(redis: redis).run { port, _ in
            let (client, collector) = try await connect(port: port, query: "since=\(ids[2])")
            try await collector.waitForLive()
            let notice = try #require(collector.snapshot.controls.first)
            #expect(notice["control"] == "history_trimmed")
            #expect(notice["requested_since"] == ids[2].description)
            #expect(notice["oldest_available"] == ids[20].description)
            #expect(collector.ids == Array(ids.suffix(10)))
            await client.disconnect()

            // A since= inside what is retained gets no notice.
            let (recent, recentCollector) = try await connect(port: port, query: "since=\(ids[25])")
            try await recentCollector.waitForLive()
            #expect(recentCollector.snapshot.controls.map { $0["control"] } == ["live"])
            #expect(recentCollector.ids == Array(ids.suffix(4)))
            await recent.disconnect()
        }
        await publisher.redis.shutdown()
    }

    @Test("a lone event and a quick succession of events reach every client in order; each fan-out pass records its timeline")
    func fanOutTimeline() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 16)
        let loneEvent = factory.event(type: "open")
        let burstEvents = factory.batch(size: 200)
        try await GatewayHarness(redis: redis).run { port, client in
            // Several clients, so that both of the harness's event loops have some.
            var clients: [(WebSocketClient, StreamCollector)] = []
            for _ in 0..<6 {
                let (socket, collector) = try await connect(port: port)
                try await collector.waitForLive()
                clients.append((socket, collector))
            }
            // One event: a pass of one publication writes to each socket as it goes.
            let lone = try await publisher.publish(loneEvent)
            for (_, collector) in clients { try await collector.waitForEvents(1) }
            // Then 200 in quick succession: drains closer together than the batch window are merged, so passes of
            // several publications, each client's frames flushed once at the end of a pass.
            let burst = try await publisher.publish(burstEvents)
            for (_, collector) in clients {
                try await collector.waitForEvents(201)
                #expect(collector.ids == [lone] + burst)
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            func value(_ series: String, _ phase: String) -> Double? {
                let prefix = "mandrill_gateway_fanout_phase_seconds_\(series){phase=\"\(phase)\"} "
                return metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
            }
            let passes = try #require(value("count", "last_write"))
            #expect(passes >= 2, "one pass for the lone event, at least one for the burst")
            #expect(value("count", "first_write") == passes, "every pass that wrote has both ends")
            #expect(try #require(value("count", "hop")) >= 2)
            #expect(try #require(value("sum", "first_write")) <= (try #require(value("sum", "last_write"))))
            for (socket, _) in clients { await socket.disconnect() }
        }
        await publisher.redis.shutdown()
    }
}
