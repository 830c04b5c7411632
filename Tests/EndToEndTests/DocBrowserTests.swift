import Foundation
import NIOHTTP1
import NetClients
import TestSupport
import Testing

/// The API documentation page in a real browser with no network: only loopback addresses are reachable.
@Suite("API documentation in headless Chromium, offline")
struct DocBrowserTests {
    /// Where `make test` installs the Swagger UI files (scripts/install-swagger-ui.sh).
    static var swaggerUIDirectory: String { TestPaths.packageRoot.appendingPathComponent(".build-assets/swagger-ui").path }

    /// Waits until the page has chosen: "local", "cdn" or "raw".
    static func outcome(_ browser: WebDriver) async throws -> String {
        var outcome: String?
        try await waitUntil("the page to show Swagger UI or the raw document", timeout: .seconds(30)) {
            outcome = try await browser.run("return document.documentElement.getAttribute('data-swagger-ui')") as? String
            return outcome != nil
        }
        return outcome ?? ""
    }

    /// Every resource the page loaded (scripts, styles, fetches), as absolute URLs.
    static func resources(_ browser: WebDriver) async throws -> [String] {
        try await browser.run("return performance.getEntriesByType('resource').map(e => e.name)") as? [String] ?? []
    }

    @Test("Swagger UI renders from hook-ingest's own files and lists the operations; nothing is requested from the CDN")
    func localSwaggerUI() async throws {
        let directory = Self.swaggerUIDirectory
        try #require(
            FileManager.default.fileExists(atPath: directory + "/swagger-ui-bundle.js"),
            "no Swagger UI files in \(directory): make test installs them (scripts/install-swagger-ui.sh)"
        )
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.start("hook-ingest", arguments: ["--redis-url", redis.url, "--swagger-ui-dir", directory])
        let browser = try await WebDriver.start(offline: true)
        defer { Task { await browser.quit() } }
        let origin = "http://127.0.0.1:\(ingest.port)"
        try await browser.open("\(origin)/doc")

        #expect(try await Self.outcome(browser) == "local")
        try await waitUntil("Swagger UI to list the operations", timeout: .seconds(30)) {
            try await browser.run("return document.getElementById('operations-hook-ingest-listEvents') !== null") as? Bool == true
        }
        let operations = try await browser.run("return document.querySelectorAll('.opblock').length") as? Int ?? 0
        #expect(operations >= 15, "\(operations) operations shown")
        let summaries =
            try await browser.run("return Array.from(document.querySelectorAll('.opblock-summary-path')).map(e => e.textContent)") as? [String]
        #expect(summaries?.contains { $0.contains("/api/events/") } == true, "\(summaries ?? [])")
        #expect(try await browser.run("return document.getElementById('fallback-note').hidden") as? Bool == true)
        #expect(try await browser.run("return document.querySelector('.swagger-ui .info .title') !== null") as? Bool == true)
        // Styled by the local stylesheet: Swagger UI's own rules apply.
        let display = try await browser.run("return getComputedStyle(document.querySelector('.swagger-ui .opblock-summary')).display") as? String
        #expect(display == "flex", "\(display ?? "nil")")

        let loaded = try await Self.resources(browser)
        #expect(loaded.contains("\(origin)/doc/swagger-ui-bundle.js") && loaded.contains("\(origin)/doc/swagger-ui.css"), "\(loaded)")
        #expect(loaded.contains { $0.hasPrefix("\(origin)/openapi.json") }, "\(loaded)")
        #expect(loaded.allSatisfy { $0.hasPrefix(origin + "/") }, "only hook-ingest was asked: \(loaded)")
        let cdnElements = try await browser.run("return document.querySelectorAll('script[src*=\"unpkg\"], link[href*=\"unpkg\"]').length") as? Int
        #expect(cdnElements == 0)

        try await browser.screenshot(to: TestPaths.outputDirectory.appendingPathComponent("doc.png"))
        await browser.quit()
        await ingest.terminate()
    }

    @Test(
        "with no local files and no network, the page tries the CDN and then shows the raw document",
        .enabled(
            if: !FileManager.default.fileExists(atPath: "/usr/share/mandrill-live/swagger-ui/swagger-ui-bundle.js"),
            "/usr/share/mandrill-live/swagger-ui exists here, and hook-ingest would serve it"
        )
    )
    func rawFallback() async throws {
        // A working directory without .build-assets/: hook-ingest finds no files in its default places.
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("doc-fallback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.start("hook-ingest", arguments: ["--redis-url", redis.url], workingDirectory: empty.path)
        #expect(try await httpRequest(.GET, port: ingest.port, "/doc/swagger-ui-bundle.js").status == 404)
        let page = try await httpRequest(.GET, port: ingest.port, "/doc")
        #expect(page.header("Content-Security-Policy")?.contains("https://unpkg.com/swagger-ui-dist@") == true)

        let browser = try await WebDriver.start(offline: true)
        defer { Task { await browser.quit() } }
        try await browser.open("http://127.0.0.1:\(ingest.port)/doc")
        #expect(try await Self.outcome(browser) == "raw")
        #expect(try await browser.run("return document.getElementById('fallback-note').hidden") as? Bool == false)
        try await waitUntil("the raw document") {
            (try await browser.run("return document.getElementById('raw-spec').textContent") as? String ?? "").contains(
                "\"operationId\": \"listEvents\""
            )
        }
        #expect(try await browser.run("return document.querySelectorAll('#swagger-ui .opblock').length") as? Int == 0)
        await browser.quit()
        await ingest.terminate()
    }
}
