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

@Suite("ws-gateway: Server-Sent Events on /sse/email/ share the WebSocket fan-out, query and access rules")
struct SSETests {
    @Test("an SSE request on a kept-alive connection is closed unanswered (clients resend it on a new one, where it streams)")
    func reusedConnection() async throws {
        let redis = try await RedisServer()
        try await GatewayHarness(redis: redis).run { port, _ in
            let socket = try RawSocket(port: port)
            let requests = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\nGET /sse/email/ HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n"
            _ = await socket.write(Array(requests.utf8))
            let (outcome, received) = await socket.readUntilClosed(timeout: .seconds(30))
            socket.close()
            #expect(outcome != .timedOut)
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200") && text.contains(#"{"status":"ok"}"#), "\(text)")
            #expect(text.components(separatedBy: "HTTP/1.1 ").count == 2, "only the first request is answered: \(text)")
            let fresh = try await SSEClient.open(port: port, path: "/sse/email/")
            #expect(fresh.head.status == 200)
            fresh.close()
        }
    }

    @Test(
        "a WebSocket upgrade on a kept-alive connection (a proxy reusing it) is closed unanswered too, never a 426 on a connection that stops reading"
    )
    func upgradeOnReusedConnection() async throws {
        let redis = try await RedisServer()
        try await GatewayHarness(redis: redis).run { port, _ in
            let socket = try RawSocket(port: port)
            _ = await socket.write(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8))
            let first = try await socket.readResponseHead()
            #expect(first.status == 200)
            _ = await socket.write(WebSocketWire.upgradeRequest(target: "/ws/email/", port: port))
            let (outcome, received) = await socket.readUntilClosed(timeout: .seconds(30))
            socket.close()
            #expect(outcome != .timedOut, "the connection was left open")
            let text = String(decoding: received, as: UTF8.self)
            #expect(!text.contains("HTTP/1.1 "), "nothing after the first answer but its body: \(text)")
            let fresh = try await RawSocket.webSocket(port: port)
            fresh.close()
        }
    }

    @Test("a raw SSE client gets the live notice, then every event in order with its id; Last-Event-ID resumes with a filter")
    func liveAndResume() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 41)
        let first = factory.batch(size: 60)
        let second = factory.batch(size: 20)
        try await GatewayHarness(redis: redis).run { port, client in
            let stream = try await SSEClient.open(port: port, path: "/sse/email/")
            #expect(stream.head.status == 200)
            #expect(stream.head.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            #expect(stream.head.header("Cache-Control") == "no-cache")
            #expect(stream.head.header("X-Accel-Buffering") == "no")
            let live = try #require(try await stream.next())
            #expect(live.event == "control" && live.id == nil && live.data.contains(#""control":"live""#))
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("mandrill_gateway_sse_connections 1"))

            let ids = try await publisher.publish(first)
            var received: [SSEClient.Event] = []
            while received.count < ids.count { received.append(try #require(try await stream.next())) }
            #expect(received.map(\.id) == ids.map(\.description))
            #expect(received.allSatisfy { $0.event == nil && $0.data.hasPrefix(#"{"id":"\#($0.id ?? "")""#) })
            stream.close()

            // Reconnect as EventSource does: the original URL (a filter) plus the last id it saw.
            let lastSeen = ids[19]
            let filter = EventFilter(types: "open,click", emails: nil, tags: nil, subaccounts: nil)
            let resumed = try await SSEClient.open(port: port, path: "/sse/email/?types=open,click", headers: [("Last-Event-ID", "\(lastSeen)")])
            var replayed: [String] = []
            while let event = try await resumed.next(), event.event == nil { replayed.append(event.id ?? "") }
            let entries = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "-", "+"))
            let missed = entries.filter { $0.id > lastSeen && filter.matches($0.attributes) }.map(\.id.description)
            #expect(!missed.isEmpty)
            #expect(replayed == missed, "every missed event once, in order, then live")

            let moreIDs = try await publisher.publish(second)
            let lastID = try #require(ids.last)
            let moreEntries = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "(\(lastID)", "+"))
            #expect(moreEntries.map(\.id) == moreIDs)
            let expected = moreEntries.filter { filter.matches($0.attributes) }.map(\.id.description)
            var live2: [String] = []
            while live2.count < expected.count { live2.append(try #require(try await resumed.next()).id ?? "") }
            #expect(live2 == expected)
            resumed.close()
        }
        await publisher.redis.shutdown()
    }

    @Test("since= wins over Last-Event-ID; a bad Last-Event-ID is a 400 with the WebSocket path's JSON error body")
    func sinceAndLastEventID() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 42)
        let events = factory.batch(size: 10)
        try await GatewayHarness(redis: redis).run { port, _ in
            let ids = try await publisher.publish(events)
            let stream = try await SSEClient.open(port: port, path: "/sse/email/?since=\(ids[4])", headers: [("Last-Event-ID", "\(ids[8])")])
            var replayed: [String] = []
            while let event = try await stream.next(), event.event == nil { replayed.append(event.id ?? "") }
            #expect(replayed == ids[5...].map(\.description))
            stream.close()
            let bad = try await SSEClient.open(port: port, path: "/sse/email/", headers: [("Last-Event-ID", "yesterday")])
            #expect(bad.head.status == 400)
            #expect(await bad.body().contains(#"{"error":"Last-Event-ID must be a stream id"#))
        }
        await publisher.redis.shutdown()
    }

    @Test("a tenant JWT sees only its subaccount; no token is 401, a wrong one 401, a foreign Host 421")
    func access() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 43)
        let events = factory.batch(size: 130)
        let secret = String(repeating: "s", count: 32)
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.access.jwtSecrets = [.init(keyID: nil, secret: secret)] }
        try await harness.run { port, _ in
            let token = try await ReaderTokenMinter.hs256(secret: secret, scope: ReaderScope(subaccounts: ["acme-eu"]))
            let byHeader = try await SSEClient.open(port: port, path: "/sse/email/", headers: [("Authorization", "Bearer \(token)")])
            let byQuery = try await SSEClient.open(port: port, path: "/sse/email/?token=\(token)")
            for stream in [byHeader, byQuery] {
                #expect(stream.head.status == 200)
                #expect(try await stream.next()?.event == "control")
            }
            let ids = try await publisher.publish(events)
            let entries = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "-", "+"))
            #expect(entries.map(\.id) == ids)
            let expected = entries.filter { $0.attributes.subaccount == "acme-eu" }.map(\.id.description)
            #expect(!expected.isEmpty && expected.count < ids.count)
            for stream in [byHeader, byQuery] {
                var got: [String] = []
                while got.count < expected.count { got.append(try #require(try await stream.next()).id ?? "") }
                #expect(got == expected)
                stream.close()
            }

            let anonymous = try await SSEClient.open(port: port, path: "/sse/email/")
            #expect(anonymous.head.status == 401)
            #expect(anonymous.head.header("WWW-Authenticate") == "Bearer")
            #expect(await anonymous.body().hasPrefix(#"{"error":"#))
            let wrong = try await SSEClient.open(port: port, path: "/sse/email/?token=nope")
            #expect(wrong.head.status == 401)
            let foreign = try await SSEClient.open(port: port, path: "/sse/email/?token=\(token)", host: "evil.example")
            #expect(foreign.head.status == 421)
        }
        await publisher.redis.shutdown()
    }

    @Test("a stream whose token expires gets the token_expired control event, then the response ends")
    func tokenExpiry() async throws {
        let redis = try await RedisServer()
        let secret = String(repeating: "e", count: 32)
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.access.jwtSecrets = [.init(keyID: nil, secret: secret)] }
        try await harness.run { port, _ in
            // Expired 15 s ago: inside the 30 s leeway (with room for a slow machine), so it is admitted and expires soon.
            let token = try await ReaderTokenMinter.hs256(secret: secret, lifetime: .seconds(1), now: Date().addingTimeInterval(-16))
            let stream = try await SSEClient.open(port: port, path: "/sse/email/", headers: [("Authorization", "Bearer \(token)")])
            #expect(stream.head.status == 200)
            var controls: [String] = []
            while let event = try await stream.next(timeout: .seconds(60)) {
                if event.event == "control" { controls.append(event.data) }
            }
            #expect(controls.first?.contains(#""control":"live""#) == true)
            #expect(controls.last == #"{"control":"token_expired"}"#, "\(controls)")
            stream.close()
        }
    }

    @Test("a reader that stops reading is ended like a 4008 close; what it got is a gap-free prefix")
    func slowReader() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.maxQueueBytes = 64 * 1024 }
        var factory = EventFactory(seed: 44)
        let rounds = (0..<12).map { _ in factory.batch(size: 1000, types: EventFactory.messageTypes) }
        try await harness.run { port, client in
            let slow = try await SSEClient.open(port: port, path: "/sse/email/", receiveBufferSize: 4096)
            #expect(try await slow.next()?.event == "control")
            var ids: [StreamID] = []
            var ended = false
            for round in rounds {
                ids += try await publisher.publish(round)
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                ended = metrics.contains("mandrill_gateway_slow_consumer_closes_total 1")
                if ended { break }
            }
            #expect(ended)
            var received: [String] = []
            while let event = try await slow.next(timeout: .seconds(60)) { received.append(event.id ?? "") }
            #expect(received.count < ids.count)
            #expect(received == ids.prefix(received.count).map(\.description))
            try await waitUntil("the SSE gauge to drop") {
                String(buffer: try await client.execute(uri: "/metrics", method: .get).body).contains("mandrill_gateway_sse_connections 0")
            }
        }
        await publisher.redis.shutdown()
    }
}
