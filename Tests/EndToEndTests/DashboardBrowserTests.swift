import Common
import Foundation
import NIOHTTP1
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
        let ingest = try await ProductProcess.startIngest(signedURL: Self.signedURL, keys: Self.key, arguments: ["--redis-url", redis.url])
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

    // MARK: - Reader tokens

    static let jwtSecret = "dashboard-browser-test-secret-0123456789"
    static let tokenKey = "mandrill-live.token"

    /// hook-ingest, and a ws-gateway that requires HS256 reader tokens.
    struct TokenStack {
        let redis: RedisServer
        let ingest: ProductProcess
        let gateway: ProductProcess
        var page: String { "http://127.0.0.1:\(gateway.port)/" }

        static func start() async throws -> TokenStack {
            let redis = try await RedisServer()
            let ingest = try await ProductProcess.startIngest(signedURL: signedURL, keys: key, arguments: ["--redis-url", redis.url])
            let gateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url, "--jwt-secrets", jwtSecret])
            return TokenStack(redis: redis, ingest: ingest, gateway: gateway)
        }

        /// Posts one signed batch: one `send` event per entry, with `msg.subaccount` set to it (`nil`: JSON null).
        /// Returns the events' message ids, in order.
        func post(subaccounts: [String?], seed: UInt64) async throws -> [String] {
            var factory = EventFactory(seed: seed)
            let events = subaccounts.map { DashboardBrowserTests.setting(subaccount: $0, in: factory.event(type: "send")) }
            let batch = SignedBatch(events: events, signedURL: signedURL, key: key)
            let response = try await httpRequest(.POST, port: ingest.port, "/mandrill/events", headers: batch.headers, body: batch.body)
            #expect(response.status == 200)
            return events.map { DashboardBrowserTests.messageID(of: $0) ?? "" }
        }

        func stop() async {
            await ingest.terminate()
            await gateway.terminate()
        }
    }

    /// `event` with `msg.subaccount` replaced.
    static func setting(subaccount: String?, in event: SimJSON) -> SimJSON {
        guard case .object(let members) = event else { return event }
        return .object(
            members.map { name, value in
                guard name == "msg", case .object(let message) = value else { return (name, value) }
                return (name, .object(message.map { $0.0 == "subaccount" ? ($0.0, subaccount.map(SimJSON.string) ?? .null) : $0 }))
            }
        )
    }

    static func messageID(of event: SimJSON) -> String? {
        guard case .object(let members) = event, case .string(let id)? = members.first(where: { $0.0 == "_id" })?.1 else { return nil }
        return id
    }

    static func text(_ browser: WebDriver, _ id: String) async throws -> String? {
        try await browser.run("return document.getElementById('\(id)').textContent") as? String
    }

    static func state(_ browser: WebDriver) async throws -> String? {
        try await text(browser, "connection-state")
    }

    /// The message ids in the table, newest first.
    static func shownMessageIDs(_ browser: WebDriver) async throws -> [String] {
        try await browser.run("return Array.from(document.querySelectorAll('#events .col-message')).map(c => c.textContent)") as? [String] ?? []
    }

    /// Types a token into the token field and submits it, as a person pasting one would. Tokens are base64url and dots,
    /// so they sit in a script literal as they are.
    static func paste(_ token: String, into browser: WebDriver) async throws {
        _ = try await browser.run(
            "document.getElementById('token-input').value = '\(token)'; document.getElementById('token-form').requestSubmit(); return true"
        )
    }

    @Test("a token in #token= leaves the address bar, shows what it is pinned to, and the page shows only the events it may see")
    func pinnedToken() async throws {
        let stack = try await TokenStack.start()
        let browser = try await WebDriver.start()
        defer { Task { await browser.quit() } }
        let token = try await ReaderTokenMinter.hs256(secret: Self.jwtSecret, scope: ReaderScope(subaccounts: ["acme"]))
        try await browser.open(stack.page + "#token=" + token)
        try await waitUntil("the dashboard to be live with the token") { try await Self.state(browser) == "live" }

        // Gone from the address bar (and this history entry), kept for this tab only.
        let href = try await browser.run("return location.href") as? String
        #expect(href == stack.page)
        #expect(href?.contains(token) == false)
        #expect(try await browser.run("return sessionStorage.getItem('\(Self.tokenKey)')") as? String == token)
        #expect(try await browser.run("return localStorage.length") as? Int == 0)
        #expect(try await Self.text(browser, "token-scope") == "subaccounts: acme")
        #expect(try await Self.text(browser, "token-expiry")?.hasPrefix("expires ") == true)
        // Sent only as the subprotocol pair: the gateway selected "bearer", and the stream's URL holds no token.
        #expect(try await browser.run("return window.__dashboard.socketProtocol") as? String == "bearer")
        let socketURL = try await browser.run("return window.__dashboard.socketUrl") as? String
        #expect(socketURL?.contains("/ws/email/?") == true)
        #expect(socketURL?.contains("token") == false)
        #expect(socketURL?.contains(token) == false)

        // Mixed subaccounts in one batch: stored in this order, so once the last acme event is shown, every event
        // before it was either delivered or withheld by the gateway.
        let ids = try await stack.post(subaccounts: ["acme", "beta", "ACME", nil, "", "beta", "acme"], seed: 11)
        try await waitUntil("the last acme event in the table") { try await Self.shownMessageIDs(browser).contains(ids[6]) }
        #expect(try await Self.shownMessageIDs(browser) == [ids[6], ids[0]], "newest first, acme only")
        #expect(try await browser.run("return window.__dashboard.received") as? Int == 2)
        #expect(try await Self.state(browser) == "live")

        try await browser.screenshot(to: TestPaths.outputDirectory.appendingPathComponent("dashboard-token.png"))
        await browser.quit()
        await stack.stop()
    }

    @Test("without a token the page says it is unauthorized; a pasted token connects; Forget token drops it")
    func unauthorizedThenPasted() async throws {
        let stack = try await TokenStack.start()
        let browser = try await WebDriver.start()
        defer { Task { await browser.quit() } }
        try await browser.open(stack.page)
        try await waitUntil("the page to say it is unauthorized") { try await Self.state(browser) == "unauthorized" }
        #expect(try await Self.text(browser, "connection-detail")?.contains("needs a token") == true)
        #expect(try await Self.text(browser, "token-scope") == "no token")
        #expect(try await browser.run("return window.__dashboard.received") as? Int == 0)

        let token = try await ReaderTokenMinter.hs256(secret: Self.jwtSecret, scope: ReaderScope(subaccounts: ["acme"]))
        try await Self.paste(token, into: browser)
        try await waitUntil("the dashboard to be live with the pasted token") { try await Self.state(browser) == "live" }
        #expect(try await browser.run("return sessionStorage.getItem('\(Self.tokenKey)')") as? String == token)
        #expect(try await browser.run("return location.href") as? String == stack.page)
        #expect(try await Self.text(browser, "token-scope") == "subaccounts: acme")
        let ids = try await stack.post(subaccounts: ["beta", "acme"], seed: 12)
        try await waitUntil("the acme event in the table") { try await Self.shownMessageIDs(browser) == [ids[1]] }

        _ = try await browser.run("document.getElementById('token-forget').click(); return true")
        try await waitUntil("the page to be unauthorized again") { try await Self.state(browser) == "unauthorized" }
        #expect(try await browser.run("return sessionStorage.getItem('\(Self.tokenKey)')") is NSNull)
        #expect(try await Self.text(browser, "token-scope") == "no token")
        #expect(try await Self.shownMessageIDs(browser).isEmpty, "forgetting the token clears what it showed")

        // A link made for older versions (?token=): the token is taken, and only the filter stays in the address bar.
        try await browser.open(stack.page + "?types=send&token=" + token)
        try await waitUntil("the dashboard to be live with the token from the query") { try await Self.state(browser) == "live" }
        #expect(try await browser.run("return location.href") as? String == stack.page + "?types=send")
        #expect(try await browser.run("return sessionStorage.getItem('\(Self.tokenKey)')") as? String == token)
        let socketURL = try await browser.run("return window.__dashboard.socketUrl") as? String
        #expect(socketURL == "ws://127.0.0.1:\(stack.gateway.port)/ws/email/?types=send&backlog=50")
        await browser.quit()
        await stack.stop()
    }

    @Test("a token that expires while the stream is open: the page says so, stops reconnecting, and resumes without loss with a new one")
    func expiringToken() async throws {
        let stack = try await TokenStack.start()
        let browser = try await WebDriver.start()
        defer { Task { await browser.quit() } }
        // exp 15 s ago: still inside the gateway's 30 s leeway, so the stream opens and is ended about 15 s later.
        let scope = ReaderScope(subaccounts: ["acme"])
        let shortLived = try await ReaderTokenMinter.hs256(
            secret: Self.jwtSecret,
            scope: scope,
            lifetime: .seconds(60),
            now: Date().addingTimeInterval(-75)
        )
        try await browser.open(stack.page + "#token=" + shortLived)
        try await waitUntil("the dashboard to be live") { try await Self.state(browser) == "live" }
        let first = try await stack.post(subaccounts: ["acme"], seed: 13)
        try await waitUntil("the first acme event in the table") { try await Self.shownMessageIDs(browser) == first }

        try await waitUntil("the gateway to end the stream as expired", timeout: .seconds(45)) { try await Self.state(browser) == "expired" }
        #expect(try await Self.text(browser, "connection-detail") == "token expired \u{2014} paste a new one")
        // Nothing left that would reconnect: no open socket, no retry timer. Only a new token does.
        #expect(try await browser.run("return window.__dashboard.socketOpen") as? Bool == false)
        #expect(try await browser.run("return window.__dashboard.retryScheduled") as? Bool == false)

        let missed = try await stack.post(subaccounts: ["acme", "beta"], seed: 14)
        #expect(try await Self.state(browser) == "expired")
        let fresh = try await ReaderTokenMinter.hs256(secret: Self.jwtSecret, scope: scope)
        try await Self.paste(fresh, into: browser)
        try await waitUntil("the event posted while expired in the table") { try await Self.shownMessageIDs(browser).contains(missed[0]) }
        try await waitUntil("the dashboard to be live again") { try await Self.state(browser) == "live" }
        #expect(try await Self.shownMessageIDs(browser) == [missed[0], first[0]])
        #expect(try await browser.run("return window.__dashboard.received") as? Int == 2, "resumed with since=: nothing shown twice")
        await browser.quit()
        await stack.stop()
    }
}
