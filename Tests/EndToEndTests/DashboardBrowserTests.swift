import Foundation
import NetClients
import Simulation
import TestSupport
import Testing

/// The dashboard in a real browser (Debian's Chromium, driven through chromedriver).
@Suite("Dashboard in headless Chromium")
struct DashboardBrowserTests {
    static let signedURL = "https://hooks.example.com/mandrill/events"
    static let key = "browser-key"
    static let hostileSubject = #"<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>"#

    @Test("the page connects, shows POSTed events live, and shows markup in a subject as text without running it")
    func liveDashboard() async throws {
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.start(
            "hook-ingest",
            arguments: ["--redis-url", redis.url],
            environment: ["MANDRILL_WEBHOOK_URL": Self.signedURL, "MANDRILL_WEBHOOK_KEYS": Self.key]
        )
        let gateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url])
        let browser = try await WebDriver.start()
        defer { Task { await browser.quit() } }
        try await browser.open("http://127.0.0.1:\(gateway.port)/")
        try await waitUntil("the dashboard to be live") {
            try await browser.run("return document.getElementById('connection-state').textContent") as? String == "live"
        }

        var factory = EventFactory(seed: 42)
        factory.subjectOverride = Self.hostileSubject
        let events = factory.batch(size: 5, types: ["send", "open", "click", "hard_bounce", "delivered"])
        let batch = SignedBatch(events: events, signedURL: Self.signedURL, key: Self.key)
        let response = try await httpRequest(.POST, port: ingest.port, "/mandrill/events", headers: batch.headers, body: batch.body)
        #expect(response.status == 200)

        try await waitUntil("five rows in the table") {
            (try await browser.run("return document.querySelectorAll('#events tr').length") as? Int ?? 0) >= 5
        }
        let subjects =
            try await browser.run("return Array.from(document.querySelectorAll('#events .col-subject')).map(c => c.textContent)") as? [String]
        #expect(subjects?.count == 5)
        #expect(subjects?.allSatisfy { $0 == Self.hostileSubject } == true, "\(subjects ?? [])")
        let types = try await browser.run("return Array.from(document.querySelectorAll('#events tr')).map(r => r.dataset.type)") as? [String]
        #expect(Set(types ?? []) == ["send", "open", "click", "hard_bounce", "delivered"])
        #expect(try await browser.run("return document.querySelectorAll('#events img, #events script').length") as? Int == 0)
        #expect(try await browser.run("return typeof window.__pwned") as? String == "undefined")
        #expect(try await browser.alertText() == nil, "no alert was opened by event content")
        #expect(try await browser.run("return document.getElementById('event-count').textContent") as? String == "5")

        // Keep what a person would see, as a CI artifact (test-output/ is not committed).
        _ = try await browser.run("document.querySelector('#events tr').click(); return true")
        try await browser.screenshot(to: TestPaths.outputDirectory.appendingPathComponent("dashboard.png"))
        await browser.quit()
        await ingest.terminate()
        await gateway.terminate()
    }
}
