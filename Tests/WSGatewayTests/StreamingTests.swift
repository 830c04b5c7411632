import Common
import Foundation
import HummingbirdTesting
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
        try await GatewayHarness(redis: redis).run { port, _ in
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
}
