import Common
import Foundation
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// The two processes as users run them: real executables, a real Redis, the simulator posting signed batches.
@Suite("End to end: Mandrill → hook-ingest → Redis → ws-gateway × 2 → clients")
struct PipelineTests {
    static let signedURL = "https://hooks.example.com/mandrill/events"
    static let key = "e2e-key"

    private func ingest(_ redis: RedisServer) async throws -> ProductProcess {
        try await ProductProcess.startIngest(signedURL: Self.signedURL, keys: "old-key,\(Self.key)", arguments: ["--redis-url", redis.url])
    }

    private func gateway(_ redis: RedisServer, _ extra: [String] = []) async throws -> ProductProcess {
        try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url] + extra)
    }

    @Test("signed batches POSTed to hook-ingest reach the clients of two gateways, each event once")
    func twoGateways() async throws {
        let redis = try await RedisServer()
        let ingest = try await ingest(redis)
        let first = try await gateway(redis)
        let second = try await gateway(redis)
        var collectors: [(String, StreamCollector, WebSocketClient)] = []
        for (gateway, query) in [(first, ""), (second, ""), (second, "types=open,click")] {
            guard case .connected(let client) = try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/?\(query)") else {
                throw TestSupportError("connect failed")
            }
            let collector = StreamCollector(client)
            try await collector.waitForLive()
            collectors.append((query, collector, client))
        }
        let simulation = try await runCommand(
            TestPaths.executable("mandrill-sim"),
            [
                "--url", "http://127.0.0.1:\(ingest.port)/mandrill/events", "--signed-url", Self.signedURL, "--key", Self.key,
                "--count", "20", "--batch-size", "13", "--rate", "0", "--concurrency", "4", "--resend", "--quiet",
            ]
        )
        #expect(simulation.status == 0)
        #expect(simulation.output.contains(#""stored":260"#), "\(simulation.output)")
        #expect(simulation.output.contains(#""duplicates":260"#))
        let checker = redis.client()
        let entries = StreamEntry.entries(in: try await checker.send("XRANGE", "mandrill:events", "-", "+"))
        #expect(entries.count == 260)
        for (query, collector, client) in collectors {
            let expected = query.isEmpty ? entries.map(\.id) : entries.filter { ["open", "click"].contains($0.type) }.map(\.id)
            try await collector.waitForEvents(expected.count)
            #expect(collector.ids == expected, "\(query)")
            await client.disconnect()
        }
        await checker.shutdown()
        #expect(await ingest.terminate() == 0)
        #expect(await first.terminate() == 0)
        #expect(await second.terminate() == 0)
    }

    @Test("SIGTERM: the gateway stops accepting, sends 1001 to every client, waits for the last answer, and exits")
    func drain() async throws {
        let redis = try await RedisServer()
        // A drain timeout far longer than the test: the gateway may only exit once every client has answered.
        let gateway = try await gateway(redis, ["--drain-timeout", "120s"])
        var collectors: [StreamCollector] = []
        for _ in 0..<20 {
            guard case .connected(let client) = try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/") else {
                throw TestSupportError("connect failed")
            }
            let collector = StreamCollector(client)
            try await collector.waitForLive()
            collectors.append(collector)
        }
        // One client that reads the 1001 but does not answer it.
        guard
            case .connected(let silent) = try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/", answerClose: false)
        else {
            throw TestSupportError("connect failed")
        }
        let silentCollector = StreamCollector(silent)
        try await silentCollector.waitForLive()

        gateway.process.signal(SIGTERM)
        for collector in collectors {
            try await collector.waitForClose()
            #expect(collector.snapshot.close?.code == 1001)
        }
        try await waitUntil("the silent client to get its 1001") { silentCollector.snapshot.close != nil }
        #expect(silentCollector.snapshot.close?.code == 1001)
        #expect(gateway.process.isRunning, "the gateway exited while a client had not answered its 1001")
        #expect(!isListening(port: gateway.port))

        try await silent.sendClose(code: 1001)
        #expect(await gateway.process.waitForExit() == 0)
    }

    @Test("the JSON log format writes one object per line and never the webhook key")
    func jsonLogs() async throws {
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.startIngest(
            signedURL: Self.signedURL,
            keys: Self.key,
            arguments: ["--redis-url", redis.url, "--log-format", "json", "--log-level", "debug"]
        )
        var factory = EventFactory(seed: 3)
        let bad = SignedBatch(events: factory.batch(size: 2), signedURL: Self.signedURL, key: "wrong-key")
        let response = try await httpRequest(.POST, port: ingest.port, "/mandrill/events", headers: bad.headers, body: bad.body)
        #expect(response.status == 401)
        await ingest.terminate()
        let lines = ingest.log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty)
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "\(line)")
        }
        #expect(ingest.log.contains("signature does not match"))
        #expect(!ingest.log.contains(Self.key))
    }
}
