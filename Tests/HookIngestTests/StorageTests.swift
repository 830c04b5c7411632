import Common
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationEssentialsCompat
import NetClients
import Simulation
import Synchronization
import TestSupport
import Testing

@testable import hook_ingest

@Suite("hook-ingest: storing each distinct event once")
struct StorageTests {
    @Test("each event is stored as sent, marked seen, and published as the same envelope the stream rebuilds")
    func storedAsSent() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        let published = Mutex<[[UInt8]]>([])
        let subscribed = Mutex(false)
        let subscriber = RedisSubscriber(
            configuration: try RedisConfiguration(url: redis.url),
            channels: ["mandrill:events"],
            logger: Logger(label: "test"),
            onMessage: { _, payload in published.withLock { $0.append(Array(payload)) } },
            onStatus: { if case .subscribed = $0 { subscribed.withLock { $0 = true } } }
        )
        subscriber.start()
        try await waitUntil("the test subscription") { subscribed.withLock { $0 } }
        var factory = EventFactory(seed: 5)
        let events = factory.batch(size: 13)
        try await IngestHarness(redis: redis).run { client in
            let response = try await client.post(events: events)
            #expect(response.status == .ok)
        }
        let entries = try await checker.streamEntries()
        #expect(entries.map { String(decoding: $0.event, as: UTF8.self) } == events.map(\.encoded))
        try await waitUntil("13 published envelopes") { published.withLock { $0.count } == 13 }
        #expect(published.withLock { $0 } == entries.map(\.envelope))
        let seen = try await checker.send("KEYS", "mandrill:seen:*").array ?? []
        #expect(seen.count == 13)
        let ttl = try await checker.send("TTL", try #require(seen.first?.string)).int ?? 0
        #expect(ttl > 6 * 86400 && ttl <= 7 * 86400)
        await subscriber.shutdown()
        await checker.shutdown()
    }

    @Test("a retried batch stores nothing new; an overlapping one stores only its new half")
    func retriesAndOverlaps() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        var factory = EventFactory(seed: 21)
        let first = factory.batch(size: 20)
        let second = Array(first.suffix(10)) + factory.batch(size: 10)
        let repeated = factory.batch(size: 1)
        try await IngestHarness(redis: redis).run { client in
            let fresh = try #require(try await client.post(events: first).counts)
            let retried = try #require(try await client.post(events: first).counts)
            let overlapping = try #require(try await client.post(events: second).counts)
            // A batch that repeats an event inside itself stores it once.
            let repeating = try #require(try await client.post(events: repeated + repeated).counts)
            #expect(fresh == (20, 20, 0))
            #expect(retried == (20, 0, 20))
            #expect(overlapping == (20, 10, 10))
            #expect(repeating == (2, 1, 1))
        }
        #expect(try await checker.streamLength() == 31)
        await checker.shutdown()
    }

    @Test("seven events of one message are all stored, and the message record keeps the newest msg and the timeline")
    func messageLifecycle() async throws {
        let redis = try await RedisServer()
        var factory = EventFactory(seed: 8)
        let lifecycle = factory.messageLifecycle()
        try await IngestHarness(redis: redis).run { client in
            // Out of order, as retried batches arrive: the snapshot must still be the newest by event time.
            #expect(try await client.post(events: Array(lifecycle.events.reversed())).counts?.stored == 7)
            let response = try await client.execute(uri: "/api/messages/\(lifecycle.id)", method: .get)
            #expect(response.status == .ok)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let timeline = try #require(object["events"] as? [[String: Any]])
            #expect(timeline.count == 7)
            #expect(timeline.compactMap { $0["type"] as? String }.sorted() == ["click", "click", "click", "delivered", "open", "open", "send"])
            let newestTS = lifecycle.events.compactMap { event -> Int? in
                guard case .object(let members) = event, case .int(let ts)? = members.first(where: { $0.0 == "ts" })?.1 else { return nil }
                return ts
            }.max()
            #expect(object["msg_ts"] as? Int == newestTS)
            #expect((object["msg"] as? [String: Any])?["_id"] as? String == lifecycle.id)
            try await client.execute(uri: "/api/messages/no-such-message", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test("a message with more events than are read at once: the timeline in stream order, a trimmed event in its place")
    func longTimeline() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        var factory = EventFactory(seed: 81)
        let lifecycle = factory.messageLifecycle(clicks: 2 * EventStore.timelineReadsInFlight)
        try await IngestHarness(redis: redis).run { client in
            #expect(try await client.post(events: lifecycle.events).counts?.stored == lifecycle.events.count)
            let stored = try await checker.streamEntries()
            #expect(stored.count == lifecycle.events.count)
            let trimmed = stored[stored.count / 2].id
            #expect(try await checker.send("XDEL", RedisKeys().stream, trimmed.description).int == 1)

            let response = try await client.execute(uri: "/api/messages/\(lifecycle.id)", method: .get)
            #expect(response.status == .ok)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let timeline = try #require(object["events"] as? [[String: Any]])
            #expect(timeline.compactMap { $0["id"] as? String } == stored.map(\.id.description))
            #expect(timeline.compactMap { $0["type"] as? String } == stored.map(\.type))
            #expect(timeline.map { $0["event"] is NSNull } == stored.map { $0.id == trimmed })
        }
        await checker.shutdown()
    }

    @Test("a 1000-event batch (about 1.4 MB) is stored whole")
    func thousandEvents() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        var factory = EventFactory(seed: 1000)
        let batch = SignedBatch(
            events: factory.batch(size: 1000, types: EventFactory.messageTypes),
            signedURL: IngestHarness.url,
            key: IngestHarness.key
        )
        #expect(batch.body.count > 1_000_000)
        try await IngestHarness.patientWithRedis(redis).run { client in
            let answer = try await client.postWithoutDeadline(batch)
            let counts = try #require(answer.counts, "answered \(answer.status): \(answer.text)")
            #expect(counts == (1000, 1000, 0))
        }
        #expect(try await checker.streamLength() == 1000)
        await checker.shutdown()
    }

    @Test("inbound mail with a 3 MiB attachment (a body past common framework limits) is stored whole")
    func largeInbound() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        var factory = EventFactory(seed: 3)
        factory.inboundAttachmentBytes = 3 << 20
        let event = factory.event(type: "inbound")
        let batch = SignedBatch(events: [event], signedURL: IngestHarness.url, key: IngestHarness.key)
        #expect(batch.body.count > 4 << 20)
        try await IngestHarness.patientWithRedis(redis).run { client in
            let answer = try await client.postWithoutDeadline(batch)
            let counts = try #require(answer.counts, "answered \(answer.status): \(answer.text)")
            #expect(counts == (1, 1, 0))
        }
        // Past --large-event-bytes the JSON lives in a key of its own; the entry refers to it, and a page read
        // puts it back, byte for byte.
        let raw = try #require(try await checker.streamEntries().first)
        let reference = try #require(raw.reference)
        #expect(raw.event.isEmpty && raw.eventBytes == event.encoded.utf8.count)
        #expect(try await checker.send("STRLEN", reference).int == event.encoded.utf8.count)
        let page = try await StreamPage.read(RedisCommand("XRANGE", "mandrill:events", "-", "+"), requested: 10, on: checker.connection)
        let resolved = try #require(page.entries.first)
        let sameBytes = resolved.event == Array(event.encoded.utf8)
        #expect(sameBytes, "the resolved event differs from what was sent")
        #expect(try await checker.send("GET", "mandrill:bodies:bytes").string == String(event.encoded.utf8.count))
        await checker.shutdown()
    }

    @Test("the stream is trimmed by age as well as by count (MINID)")
    func trimmedByAge() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        // 1,000 entries from 1970: far older than any --stream-max-age.
        _ = try await checker.send(
            "EVAL",
            "for i = 1, 1000 do redis.call('XADD', KEYS[1], '1-' .. i, 'type', 'send', 'email', '', 'event', '{}') end",
            "1",
            "mandrill:events"
        )
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.retention.maxAge = .seconds(3600) }
        var factory = EventFactory(seed: 8)
        let batch = factory.batch(size: 5)
        try await harness.run { client in
            let response = try await client.post(events: batch)
            #expect(response.status == .ok)
        }
        // MINID ~ removes whole stream nodes (100 entries each by default): most of the old entries are gone.
        let length = try await checker.streamLength()
        #expect(length < 200, "old entries were not trimmed: \(length) left")
        #expect(length >= 5)
        await checker.shutdown()
    }

    @Test("large events are kept within --large-event-memory: the oldest bodies go first, and their replay shows event null")
    func largeEventBudget() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        var factory = EventFactory(seed: 5)
        factory.inboundAttachmentBytes = 40_000
        let events = (0..<6).map { _ in factory.event(type: "inbound") }
        let size = events[0].encoded.utf8.count
        var harness = try IngestHarness(redis: redis)
        // Room for about two and a half bodies: storing six keeps the newest two.
        harness.configure = {
            $0.retention.largeEventBytes = 4096
            $0.retention.largeEventMemory = size * 5 / 2
        }
        try await harness.run { client in
            for event in events {
                let response = try await client.post(events: [event])
                #expect(response.status == .ok)
            }
        }
        let page = try await StreamPage.read(RedisCommand("XRANGE", "mandrill:events", "-", "+"), requested: 10, on: checker.connection)
        #expect(page.entries.count == 6, "the stream keeps every entry; only the bodies are bounded")
        let kept = page.entries.filter { $0.event != Array("null".utf8) }
        #expect(kept.count == 2)
        #expect(kept.map(\.id) == Array(page.entries.suffix(2).map(\.id)), "the newest bodies are the ones kept")
        let total = try #require(try await checker.send("GET", "mandrill:bodies:bytes").string.flatMap { Int($0) })
        #expect(total <= size * 5 / 2)
        #expect(try await checker.send("LLEN", "mandrill:bodies").int == 2)
        await checker.shutdown()
    }

    @Test("Redis down: 503 with Retry-After and nothing half-stored; after a restart the same batch is stored exactly once")
    func redisOutage() async throws {
        let redis = try await RedisServer()
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.redis.commandTimeout = .milliseconds(400) }
        var factory = EventFactory(seed: 77)
        let before = factory.batch(size: 5)
        let during = factory.batch(size: 50)
        try await harness.run { client in
            #expect(try await client.post(events: before).status == .ok)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == #"{"status":"ready","redis":"up"}"#)
            }
            await redis.kill()
            let refused = try await client.post(events: during)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] != nil)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"status":"not ready","redis":"down"}"#)
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            try await redis.start()
            try await waitUntil("hook-ingest to reach Redis again") {
                try await client.execute(uri: "/readyz", method: .get).status == .ok
            }
            // Mandrill retries the whole batch: it is stored once, and a second retry stores nothing.
            let stored = try #require(try await client.post(events: during).counts)
            let again = try #require(try await client.post(events: during).counts)
            #expect(stored == (50, 50, 0))
            #expect(again == (50, 0, 50))
        }
        let checker = redis.client()
        // The restarted Redis kept no data (no persistence in tests): exactly the retried batch is there.
        #expect(try await checker.streamLength() == 50)
        await checker.shutdown()
        #expect(harness.logs.text.contains("answering 503"))
    }

    @Test("Redis killed while batches are written: after restart each batch is there whole or not at all, and every 200 was kept")
    func atomicUnderKill() async throws {
        // AOF with fsync on every write: what a killed Redis acknowledged survives its restart.
        let redis = try await RedisServer(arguments: ["--appendonly", "yes", "--appendfsync", "always"])
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.redis.commandTimeout = .milliseconds(400) }
        var factory = EventFactory(seed: 99)
        let batches = (0..<30).map { _ in factory.batch(size: 200, types: EventFactory.messageTypes) }
        let acknowledged = Locked(0)
        try await harness.run { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for batch in batches {
                        if try await client.post(events: batch).status == .ok { acknowledged.withLock { $0 += 1 } }
                    }
                }
                group.addTask {
                    try await waitUntil("a few batches to be stored") { acknowledged.value >= 3 }
                    await redis.kill()
                }
                try await group.waitForAll()
            }
        }
        try await redis.start()
        let checker = redis.client()
        let length = try await checker.streamLength()
        #expect(length % 200 == 0, "a batch was stored half-way: \(length) events")
        #expect(length >= acknowledged.value * 200, "an acknowledged batch was lost")
        #expect(acknowledged.value < batches.count)
        await checker.shutdown()
    }
}
