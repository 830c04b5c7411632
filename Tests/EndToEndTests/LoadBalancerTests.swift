import Common
import Foundation
import NetClients
import Simulation
import TestSupport
import Testing

/// The deployment the README recommends, for real: nginx (deploy/nginx/mandrill-live.conf) in front of two
/// hook-ingest and two ws-gateway processes sharing one Redis.
@Suite("Behind nginx: 2 × hook-ingest, 2 × ws-gateway, one Redis")
struct LoadBalancerTests {
    static let signedURL = "https://hooks.example.com/mandrill/events"
    static let key = "lb-key"

    @Test("batches through nginx reach every client once; a gateway or an ingest killed mid-stream loses nothing")
    func topology() async throws {
        let redis = try await RedisServer()
        let ingests = [
            try await ProductProcess.startIngest(signedURL: Self.signedURL, keys: Self.key, arguments: ["--redis-url", redis.url]),
            try await ProductProcess.startIngest(signedURL: Self.signedURL, keys: Self.key, arguments: ["--redis-url", redis.url]),
        ]
        let gateways = [
            try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url]),
            try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url]),
        ]
        let (nginx, port) = try await NginxFixture.start(ingests: ingests, gateways: gateways)
        let poster = RetryingPoster(port: port)
        let clients = (0..<8).map { _ in ResumingClient(port: port) }
        try await waitUntil("every client connected through nginx") { clients.allSatisfy { $0.connections >= 1 } }

        var factory = EventFactory(seed: 2026)
        let batches = (0..<36).map { _ in SignedBatch(events: factory.batch(size: 20), signedURL: Self.signedURL, key: Self.key) }

        // 1. Normal operation.
        for batch in batches[0..<12] { try await poster.deliver(batch) }
        // 2. A gateway dies without a goodbye while batches keep coming: its clients reconnect through nginx.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for batch in batches[12..<24] { try await poster.deliver(batch) } }
            group.addTask {
                try await Task.sleep(for: .milliseconds(100))
                await gateways[0].kill()
            }
            try await group.waitForAll()
        }
        // 3. An ingest dies mid-stream: what was acknowledged is stored; what failed is retried and accepted.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for batch in batches[24..<36] { try await poster.deliver(batch) } }
            group.addTask {
                try await Task.sleep(for: .milliseconds(100))
                await ingests[0].kill()
            }
            try await group.waitForAll()
        }

        let checker = redis.client()
        let stored = StreamEntry.entries(in: try await checker.send("XRANGE", "mandrill:events", "-", "+")).map(\.id)
        #expect(stored.count == 36 * 20, "every acknowledged event stored exactly once")
        for client in clients {
            try await waitUntil("a client to catch up (\(client.ids.count) of \(stored.count))", timeout: .seconds(60)) {
                client.ids.count >= stored.count
            }
            #expect(client.ids == stored)
        }
        #expect(clients.contains { $0.connections >= 2 }, "some clients were on the killed gateway and reconnected")
        for client in clients { client.stop() }
        await checker.shutdown()
        await nginx.terminate()
        await ingests[1].terminate()
        await gateways[1].terminate()
    }
}
