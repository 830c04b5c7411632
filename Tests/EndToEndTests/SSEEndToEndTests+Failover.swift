import Common
import Foundation
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// The SSE promise across failures, through the checked-in nginx configuration: a gateway that dies and a Redis
/// that restarts cost a reader nothing when it reconnects with `Last-Event-ID`, as `EventSource` does by itself.
extension SSEEndToEndTests {
    /// In the page: every event's `lastEventId` and envelope id, and the stream's opens, errors and control messages.
    static let eventSourceScript = """
        window.__sse = {ids: [], data: [], opens: 0, errors: 0, controls: []};
        const source = new EventSource('/sse/email/');
        window.__source = source;
        source.onopen = () => window.__sse.opens++;
        source.onerror = () => window.__sse.errors++;
        source.onmessage = (m) => { window.__sse.ids.push(m.lastEventId); window.__sse.data.push(JSON.parse(m.data).id); };
        source.addEventListener('control', (m) => window.__sse.controls.push(JSON.parse(m.data).control));
        return true
        """

    @Test(
        "through nginx, a gateway SIGKILLed and then Redis restarted mid-stream: Chromium's EventSource and a raw client resuming with Last-Event-ID get every acknowledged event once, in order"
    )
    func failover() async throws {
        // AOF with fsync always: what Redis acknowledged survives its restart (as production should be set up).
        let redis = try await RedisServer(arguments: ["--appendonly", "yes", "--appendfsync", "always"])
        let ingests = [try await Self.ingest(redis), try await Self.ingest(redis)]
        let doomed = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url])
        // The other gateway starts once both readers stream from the first, so that the kill ends both streams and
        // their reconnections have somewhere to go.
        let otherPort = freePort()
        let (nginx, port) = try await NginxFixture.start(ingestPorts: ingests.map(\.port), gatewayPorts: [doomed.port, otherPort])
        let browser = try await WebDriver.start()
        defer { Task { await browser.quit() } }
        // Only a same-origin page to run the script in: nginx's own 404 page. Not the dashboard, whose WebSocket
        // reconnects through nginx after the kill and can get the surviving gateway marked failed for fail_timeout.
        try await browser.open("http://127.0.0.1:\(port)/healthz")
        _ = try await browser.run(Self.eventSourceScript)
        let raw = ResumingSSEClient(port: port, host: "127.0.0.1:\(port)")
        defer { raw.stop() }
        let page = Locked("")
        try await waitUntil("both readers to stream from the first gateway (page: \(page.value))", timeout: .seconds(60)) {
            try await Self.record(browser, in: page)
            let live = (try await browser.run("return window.__sse.controls") as? [String])?.contains("live") == true
            return try await Self.sseConnections(doomed) == 2 && live
        }
        let other = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url], port: otherPort)
        // nginx marked the second gateway failed while it was down: wait until it sends a stream there again.
        try await waitUntil("nginx to route a stream to the second gateway", timeout: .seconds(60)) {
            guard let probe = try? await SSEClient.open(port: port, path: "/sse/email/", host: "127.0.0.1:\(port)") else { return false }
            defer { probe.close() }
            guard probe.head.status == 200 else { return false }
            return try await Self.sseConnections(other) >= 1
        }

        var factory = EventFactory(seed: 79)
        let batches = (0..<36).map { _ in SignedBatch(events: factory.batch(size: 20), signedURL: Self.signedURL, key: Self.key) }
        let poster = RetryingPoster(port: port, retryInterval: .milliseconds(200))
        // 1. Normal operation.
        for batch in batches[0..<8] { try await poster.deliver(batch) }
        // 2. The gateway both readers stream from is SIGKILLed while batches keep coming.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for batch in batches[8..<18] { try await poster.deliver(batch) } }
            group.addTask {
                try await waitUntil("three batches acknowledged before the kill", timeout: .seconds(120)) { poster.acknowledged >= 11 }
                await doomed.kill()
            }
            try await group.waitForAll()
        }
        try await waitUntil("both readers to stream again (raw: \(raw.connections) streams; page: \(page.value))", timeout: .seconds(60)) {
            try await Self.record(browser, in: page)
            let opens = try await browser.run("return window.__sse.opens") as? Int ?? 0
            return raw.connections >= 2 && opens >= 2
        }
        // 3. Redis is killed and restarted on its port while batches keep coming: hook-ingest answers 503 meanwhile,
        // and the poster sends each refused batch again, like Mandrill.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for batch in batches[18..<30] { try await poster.deliver(batch) } }
            group.addTask {
                try await waitUntil("three batches acknowledged before Redis goes", timeout: .seconds(120)) { poster.acknowledged >= 21 }
                let refusedBefore = poster.refusals.count
                await redis.kill()
                try await waitUntil("a batch refused while Redis is down", timeout: .seconds(120)) { poster.refusals.count > refusedBefore }
                try await redis.start()
            }
            try await group.waitForAll()
        }
        // 4. Normal operation again.
        for batch in batches[30...] { try await poster.deliver(batch) }

        let stored = try await Self.storedIDs(redis)
        #expect(stored.count == 36 * 20, "every acknowledged event is stored once")
        #expect(poster.refusals.contains(503), "hook-ingest answered 503 while Redis was down: \(poster.refusals)")
        try await waitUntil("the raw reader to catch up (\(raw.ids.count) of \(stored.count))", timeout: .seconds(120)) {
            raw.ids.count >= stored.count
        }
        try await waitUntil("the page to catch up (\(page.value))", timeout: .seconds(120)) {
            try await Self.record(browser, in: page)
            return (try await browser.run("return window.__sse.ids.length") as? Int ?? 0) >= stored.count
        }
        #expect(Self.differences(raw.ids, stored) == nil, "raw reader: \(Self.differences(raw.ids, stored) ?? "")")
        #expect(raw.refusals.isEmpty, "the raw reader was refused: \(raw.refusals)")
        let pageIDs = try #require(try await browser.run("return window.__sse.ids") as? [String])
        let pageData = try #require(try await browser.run("return window.__sse.data") as? [String])
        #expect(Self.differences(pageIDs, stored) == nil, "EventSource: \(Self.differences(pageIDs, stored) ?? "")")
        #expect(pageData == pageIDs, "lastEventId is the envelope's id")

        raw.stop()
        await browser.quit()
        await nginx.terminate()
        for process in ingests + [other] { await process.terminate() }
    }

    /// Open SSE streams on `gateway`, from its `/metrics`.
    static func sseConnections(_ gateway: ProductProcess) async throws -> Int {
        let metrics = try await httpRequest(.GET, port: gateway.port, "/metrics").text
        return Int(AbuseTests.gauge("mandrill_gateway_sse_connections", in: metrics) ?? -1)
    }

    /// Keeps the page's stream state in `page`, for the message of a wait that times out.
    static func record(_ browser: WebDriver, in page: Locked<String>) async throws {
        let script =
            "return JSON.stringify({count: window.__sse.ids.length, opens: window.__sse.opens, errors: window.__sse.errors, "
            + "controls: window.__sse.controls, state: window.__source.readyState})"
        let state = try await browser.run(script) as? String ?? "?"
        page.withLock { $0 = state }
    }

    /// `nil` when `received` is `expected`; otherwise what is missing, duplicated or out of order.
    static func differences(_ received: [String], _ expected: [String]) -> String? {
        guard received != expected else { return nil }
        let missing = Set(expected).subtracting(received)
        let duplicates = received.count - Set(received).count
        let firstDifference = zip(received, expected).enumerated().first { $0.element.0 != $0.element.1 }
        return "received \(received.count) of \(expected.count): \(missing.count) missing (e.g. \(missing.sorted().prefix(3))), "
            + "\(duplicates) duplicates, first difference at \(firstDifference.map { "\($0.offset): \($0.element)" } ?? "the end")"
    }
}
