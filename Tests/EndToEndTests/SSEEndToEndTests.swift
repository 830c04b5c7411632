import Common
import Foundation
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// Server-Sent Events against the real processes: a browser's `EventSource`, and a raw client through nginx.
@Suite("Server-Sent Events end to end")
struct SSEEndToEndTests {
    static let signedURL = "https://hooks.example.com/mandrill/events"
    static let key = "sse-key"

    static func ingest(_ redis: RedisServer) async throws -> ProductProcess {
        try await ProductProcess.startIngest(signedURL: signedURL, keys: key, arguments: ["--redis-url", redis.url])
    }

    /// The ids hook-ingest stored, in stream order.
    static func storedIDs(_ redis: RedisServer) async throws -> [String] {
        let client = redis.client()
        let reply = try await client.send("XRANGE", "mandrill:events", "-", "+")
        await client.shutdown()
        return StreamEntry.entries(in: reply).map(\.id.description)
    }

    @Test("headless Chromium's EventSource receives events POSTed to hook-ingest, in order, with their ids")
    func browserEventSource() async throws {
        let redis = try await RedisServer()
        let ingest = try await Self.ingest(redis)
        let gateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url])
        let browser = try await WebDriver.start()
        defer { Task { await browser.quit() } }
        // The dashboard is only a same-origin page to run the script in.
        try await browser.open("http://127.0.0.1:\(gateway.port)/")
        _ = try await browser.run(
            """
            window.__sse = {ids: [], data: [], controls: []};
            const source = new EventSource('/sse/email/?types=send,open,click');
            window.__source = source;
            source.onerror = (e) => window.__sse.controls.push('error');
            source.onmessage = (m) => { window.__sse.ids.push(m.lastEventId); window.__sse.data.push(JSON.parse(m.data).id); };
            source.addEventListener('control', (m) => window.__sse.controls.push(JSON.parse(m.data).control));
            return true
            """
        )
        let state = Locked("")
        // Chromium sends the EventSource request on the kept-alive connection that served the page; the gateway closes
        // it unanswered (StreamRequestOnReusedConnection) and the browser sends it again on a new one.
        try await waitUntil("the EventSource to be live (last state: \(state.value))") {
            let current = try await browser.run("return JSON.stringify([window.__sse, window.__source.readyState])") as? String ?? ""
            state.withLock { $0 = current }
            return (try await browser.run("return window.__sse.controls") as? [String])?.contains("live") == true
        }
        var factory = EventFactory(seed: 77)
        for _ in 0..<3 {
            let batch = SignedBatch(events: factory.batch(size: 10, types: ["send", "open", "click"]), signedURL: Self.signedURL, key: Self.key)
            let response = try await httpRequest(.POST, port: ingest.port, "/mandrill/events", headers: batch.headers, body: batch.body)
            #expect(response.status == 200)
        }
        let stored = try await Self.storedIDs(redis)
        #expect(stored.count == 30)
        try await waitUntil("30 events in the page") {
            (try await browser.run("return window.__sse.ids.length") as? Int ?? 0) >= 30
        }
        #expect(try await browser.run("return window.__sse.ids") as? [String] == stored)
        #expect(try await browser.run("return window.__sse.data") as? [String] == stored, "lastEventId is the envelope's id")
        await browser.quit()
        await ingest.terminate()
        await gateway.terminate()
    }

    @Test("through nginx (deploy/nginx/mandrill-live.conf), a raw SSE client gets every event, unbuffered and in order")
    func throughNginx() async throws {
        let redis = try await RedisServer()
        let ingests = [try await Self.ingest(redis), try await Self.ingest(redis)]
        let gateways = [
            try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url]),
            try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url]),
        ]
        let (nginx, port) = try await NginxFixture.start(ingests: ingests, gateways: gateways)
        let stream = try await SSEClient.open(port: port, path: "/sse/email/", host: "127.0.0.1:\(port)")
        #expect(stream.head.status == 200)
        #expect(stream.head.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        #expect(try await stream.next()?.data.contains(#""control":"live""#) == true)
        var factory = EventFactory(seed: 78)
        var posted = 0
        var received: [String] = []
        for _ in 0..<4 {
            let batch = SignedBatch(events: factory.batch(size: 15), signedURL: Self.signedURL, key: Self.key)
            let response = try await httpRequest(.POST, port: port, "/mandrill/events", headers: batch.headers, body: batch.body)
            #expect(response.status == 200)
            posted += 15
            // Each batch arrives before the next is sent: nothing is held back by a proxy buffer.
            while received.count < posted { received.append(try #require(try await stream.next()).id ?? "") }
        }
        let stored = try await Self.storedIDs(redis)
        #expect(received == stored, "received \(received.count): \(received.prefix(3)) … stored \(stored.count): \(stored.prefix(3))")
        stream.close()
        await nginx.terminate()
        for process in ingests + gateways { await process.terminate() }
    }
}
