import Common
import Foundation
import NetClients
import Simulation
import TestSupport
import Testing

/// permessage-deflate against the real processes, read by an independent client: Python's websockets (pinned in
/// scripts/test.sh), which negotiates the extension itself and inflates what the gateway compressed.
@Suite("permessage-deflate end to end (Python websockets)")
struct CompressionEndToEndTests {
    static let signedURL = "https://hooks.example.com/mandrill/events"
    static let key = "deflate-key"
    static let count = 60

    struct ClientReport: Decodable {
        let extensions: String?
        let events: [String]
        let wire_bytes: Int
    }

    @Test("events POSTed to hook-ingest reach a compressing and a plain websockets client byte for byte; compressed costs fewer wire bytes")
    func pythonClients() async throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.start(
            "hook-ingest",
            arguments: ["--redis-url", redis.url],
            environment: ["MANDRILL_WEBHOOK_URL": Self.signedURL, "MANDRILL_WEBHOOK_KEYS": Self.key]
        )
        let gateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url], environment: ["GATEWAY_COMPRESSION": "1"])
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Tools/ws-deflate-client.py").path
        let url = "ws://127.0.0.1:\(gateway.port)/ws/email/"
        let clients = try ["on", "off"].map { mode in
            try ManagedProcess(name: "ws-deflate-\(mode)", executable: python, arguments: [script, url, String(Self.count), mode])
        }
        for client in clients {
            try await waitUntil("\(client.name) to be live (needs websockets: `make test` installs it into .build-venv)\n\(client.log)") {
                client.log.contains("LIVE")
            }
        }
        var factory = EventFactory(seed: 92)
        for _ in 0..<(Self.count / 20) {
            let batch = SignedBatch(events: factory.batch(size: 20), signedURL: Self.signedURL, key: Self.key)
            let response = try await httpRequest(.POST, port: ingest.port, "/mandrill/events", headers: batch.headers, body: batch.body)
            #expect(response.status == 200)
        }
        let reader = redis.client()
        let stored = StreamEntry.entries(in: try await reader.send("XRANGE", "mandrill:events", "-", "+")).map {
            String(decoding: $0.envelope, as: UTF8.self)
        }
        await reader.shutdown()
        #expect(stored.count == Self.count)

        var reports: [String: ClientReport] = [:]
        for client in clients {
            #expect(await client.waitForExit() == 0, "\(client.log)")
            let line = try #require(client.log.split(separator: "\n").last, "\(client.name) printed nothing")
            reports[client.name] = try JSONDecoder().decode(ClientReport.self, from: Data(line.utf8))
        }
        let compressed = try #require(reports["ws-deflate-on"])
        let plain = try #require(reports["ws-deflate-off"])
        #expect(compressed.extensions == "permessage-deflate; server_no_context_takeover")
        #expect(plain.extensions == nil)
        #expect(compressed.events == stored)
        #expect(plain.events == stored)
        #expect(compressed.wire_bytes < plain.wire_bytes)
        // Printed on purpose: the figures the README quotes.
        print(
            "websockets client, \(Self.count) EventFactory events: \(compressed.wire_bytes) wire bytes compressed, \(plain.wire_bytes) plain "
                + "(\(compressed.wire_bytes / Self.count) and \(plain.wire_bytes / Self.count) per event, live notice included)"
        )
        await ingest.terminate()
        await gateway.terminate()
    }
}
