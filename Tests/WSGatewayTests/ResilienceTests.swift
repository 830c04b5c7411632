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

@Suite("ws-gateway: slow consumers and Redis failures lose nothing")
struct ResilienceTests {
    @Test("a stalled reader is closed with 4008 while a fast client receives everything; resuming with since= loses nothing")
    func slowConsumer() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.maxQueueBytes = 64 * 1024 }
        var factory = EventFactory(seed: 16)
        let rounds = (0..<12).map { _ in factory.batch(size: 1000, types: EventFactory.messageTypes) }
        try await harness.run { port, client in
            let (fast, fastCollector) = try await connect(port: port)
            let (slow, slowCollector) = try await connect(port: port, receiveBufferSize: 4096)
            try await fastCollector.waitForLive()
            try await slowCollector.waitForLive()
            try await slow.setReading(false)
            // Publish until the stalled client's queue overflows (the kernel buffers a few MB first).
            var ids: [StreamID] = []
            for round in rounds {
                ids += try await publisher.publish(round)
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                if metrics.contains("mandrill_gateway_slow_consumer_closes_total 1") { break }
            }
            try await fastCollector.waitForEvents(ids.count)
            #expect(fastCollector.ids == ids)
            try await slow.setReading(true)
            try await slowCollector.waitForClose()
            #expect(slowCollector.snapshot.close?.code == 4008)
            let received = slowCollector.ids
            #expect(received.count < ids.count)
            #expect(received == Array(ids.prefix(received.count)), "what the slow client got is a gap-free prefix")
            let resumeFrom = received.last.map { "since=\($0)" } ?? "since=0-0"
            let (again, againCollector) = try await connect(port: port, query: resumeFrom)
            try await againCollector.waitForEvents(ids.count - received.count)
            #expect(received + againCollector.ids == ids)
            await fast.disconnect()
            await again.disconnect()
        }
        await publisher.redis.shutdown()
    }

    @Test("a burst past --max-queue-bytes in one delivery pass is offered to the socket first: a client that reads is never taken for a slow one")
    func burstIsNotSlowness() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var harness = GatewayHarness(redis: redis)
        // A long batching window gathers the burst into passes of 64 frames per client, several times the queue limit.
        harness.configure = {
            $0.maxQueueBytes = 16 * 1024
            $0.batchWindow = .milliseconds(500)
        }
        var factory = EventFactory(seed: 19)
        let events = factory.batch(size: 300, types: EventFactory.messageTypes)
        try await harness.run { port, client in
            let (stream, collector) = try await connect(port: port)
            try await collector.waitForLive()
            let ids = try await publisher.publish(events)
            try await waitUntil("every event, or a close (\(collector.ids.count) of \(ids.count))") {
                collector.ids.count >= ids.count || collector.snapshot.close != nil
            }
            #expect(collector.snapshot.close == nil, "closed with \(collector.snapshot.close?.code.map(String.init) ?? "no code")")
            #expect(collector.ids == ids)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("mandrill_gateway_slow_consumer_closes_total 0"))
            await stream.disconnect()
        }
        await publisher.redis.shutdown()
    }

    @Test("Redis closes the gateway's subscription mid-stream: every event still arrives once, in order")
    func subscriptionKilled() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        let admin = redis.client()
        var factory = EventFactory(seed: 17)
        let events = factory.batch(size: 1500, types: EventFactory.messageTypes)
        let harness = GatewayHarness(redis: redis)
        try await harness.run { port, client in
            let (stream, collector) = try await connect(port: port)
            try await collector.waitForLive()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await publisher.publish(events) }
                group.addTask {
                    // What Redis does to a subscriber past client-output-buffer-limit pubsub.
                    for _ in 0..<3 {
                        try await Task.sleep(for: .milliseconds(150))
                        _ = try await admin.send("CLIENT", "KILL", "TYPE", "pubsub")
                    }
                }
                try await group.waitForAll()
            }
            let all = try await publisher.allIDs()
            try await collector.waitForEvents(all.count)
            #expect(collector.ids == all)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(!metrics.contains("mandrill_gateway_subscription_reconnects_total 0"))
            await stream.disconnect()
        }
        await publisher.redis.shutdown()
        await admin.shutdown()
    }

    @Test("Redis killed and restarted mid-stream: every stored event reaches connected clients once, in order; readiness follows")
    func redisRestart() async throws {
        // AOF with fsync always, so the restarted Redis still has the stream (as production should).
        let redis = try await RedisServer(arguments: ["--appendonly", "yes", "--appendfsync", "always"])
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 18)
        let events = factory.batch(size: 600, types: EventFactory.messageTypes)
        try await GatewayHarness(redis: redis).run { port, client in
            let (stream, collector) = try await connect(port: port)
            try await collector.waitForLive()
            try await publisher.publish(Array(events.prefix(200)))
            await redis.kill()
            try await waitUntil("readiness to fail while Redis is down") {
                try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable
            }
            let notReady = try await client.execute(uri: "/readyz", method: .get)
            #expect(notReady.headers[.contentType] == "application/json")
            #expect(String(buffer: notReady.body) == #"{"status":"not ready","subscription":"down","stream_rollbacks":0}"#)
            try await redis.start()
            // Keep publishing as soon as Redis is back; the gateway may not be resubscribed yet.
            for event in events.dropFirst(200) {
                try await waitUntil("the publisher to reach Redis") { (try? await publisher.publish(event)) != nil }
            }
            try await waitUntil("readiness to come back") { try await client.execute(uri: "/readyz", method: .get).status == .ok }
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(String(buffer: ready.body) == #"{"status":"ready","subscription":"live","stream_rollbacks":0}"#)
            let all = try await publisher.allIDs()
            #expect(all.count >= 600)
            try await collector.waitForEvents(all.count)
            #expect(collector.ids == all)
            await stream.disconnect()
        }
        await publisher.redis.shutdown()
    }
}
