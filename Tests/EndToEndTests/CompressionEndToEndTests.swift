import Common
import Foundation
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// permessage-deflate against the real processes, read by independent clients that negotiate the extension
/// themselves and inflate what the gateway compressed: Python's websockets (pinned in scripts/test.sh), and the
/// `WebSocket` of headless Chromium.
@Suite("permessage-deflate end to end (Python websockets, Chromium)")
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
        let ingest = try await ProductProcess.startIngest(signedURL: Self.signedURL, keys: Self.key, arguments: ["--redis-url", redis.url])
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
        let stored = try await Self.postBatches(seed: 92, to: ingest, readingBack: redis)

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

    /// In the page: a `WebSocket` per gateway, keeping its negotiated extensions, events and control messages.
    static func browserScript(ports: [String: Int]) -> String {
        let sockets = ports.sorted { $0.key < $1.key }.map { "['\($0.key)', \($0.value)]" }.joined(separator: ", ")
        return """
            window.__ws = {};
            for (const [name, port] of [\(sockets)]) {
              const state = {extensions: null, envelopes: [], controls: [], closed: null};
              window.__ws[name] = state;
              const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/email/`);
              socket.onopen = () => { state.extensions = socket.extensions; };
              socket.onmessage = (m) => {
                const object = JSON.parse(m.data);
                if (object.control) { state.controls.push(object.control); } else { state.envelopes.push(m.data); }
              };
              socket.onclose = (e) => { state.closed = e.code; };
            }
            return true
            """
    }

    @Test("Chromium's WebSocket negotiates permessage-deflate with a --compression gateway only, and both get the POSTed events byte for byte")
    func chromium() async throws {
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.startIngest(signedURL: Self.signedURL, keys: Self.key, arguments: ["--redis-url", redis.url])
        let compressing = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url, "--compression"])
        // The page comes from the compressing gateway; the plain one accepts that origin too.
        let page = "http://127.0.0.1:\(compressing.port)"
        let plain = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url, "--allowed-origins", page])
        let browser = try await WebDriver.start()
        defer { Task { await browser.quit() } }
        try await browser.open(page + "/")
        _ = try await browser.run(Self.browserScript(ports: ["compressed": compressing.port, "plain": plain.port]))
        let state = Locked("")
        try await waitUntil("both sockets to be live (\(state.value))") {
            let current = try await browser.run("return JSON.stringify(window.__ws)") as? String ?? ""
            state.withLock { $0 = current }
            let controls = try await browser.run("return [window.__ws.compressed.controls, window.__ws.plain.controls]") as? [[String]] ?? []
            return controls.count == 2 && controls.allSatisfy { $0.contains("live") }
        }
        let compressedExtensions = try await browser.run("return window.__ws.compressed.extensions") as? String
        let plainExtensions = try await browser.run("return window.__ws.plain.extensions") as? String
        #expect(compressedExtensions?.contains("permessage-deflate") == true, "negotiated: \(compressedExtensions ?? "nothing")")
        #expect(plainExtensions == "", "negotiated: \(plainExtensions ?? "nothing")")

        let stored = try await Self.postBatches(seed: 93, to: ingest, readingBack: redis)
        try await waitUntil("\(Self.count) events on both sockets (\(state.value))") {
            let counts = try await browser.run("return [window.__ws.compressed.envelopes.length, window.__ws.plain.envelopes.length]") as? [Int] ?? []
            state.withLock { $0 = "\(counts)" }
            return counts.count == 2 && counts.allSatisfy { $0 >= Self.count }
        }
        let compressed = try #require(try await browser.run("return window.__ws.compressed.envelopes") as? [String])
        let plainEnvelopes = try #require(try await browser.run("return window.__ws.plain.envelopes") as? [String])
        #expect(compressed == stored)
        #expect(plainEnvelopes == stored)
        #expect(
            try await browser.run("return window.__ws.compressed.closed === null && window.__ws.plain.closed === null") as? Bool == true,
            "neither socket was closed"
        )
        await browser.quit()
        await ingest.terminate()
        await compressing.terminate()
        await plain.terminate()
    }

    /// POSTs `count` events in signed batches of 20 and returns the stored envelopes, in stream order.
    private static func postBatches(seed: UInt64, to ingest: ProductProcess, readingBack redis: RedisServer) async throws -> [String] {
        var factory = EventFactory(seed: seed)
        for _ in 0..<(count / 20) {
            let batch = SignedBatch(events: factory.batch(size: 20), signedURL: signedURL, key: key)
            let response = try await httpRequest(.POST, port: ingest.port, "/mandrill/events", headers: batch.headers, body: batch.body)
            #expect(response.status == 200)
        }
        let reader = redis.client()
        let stored = StreamEntry.entries(in: try await reader.send("XRANGE", "mandrill:events", "-", "+")).map {
            String(decoding: $0.envelope, as: UTF8.self)
        }
        await reader.shutdown()
        #expect(stored.count == count)
        return stored
    }

}
