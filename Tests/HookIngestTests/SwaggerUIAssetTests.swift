import ArgumentParser
import Common
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import NetClients
import TestSupport
import Testing

@testable import hook_ingest

@Suite("hook-ingest: the Swagger UI files under /doc/")
struct SwaggerUIAssetTests {
    static let bundle = "window.SwaggerUIBundle = function () {}; // test bundle\n"
    static let css = ".swagger-ui { color: #123; }\n"

    /// A directory holding the two files (small stand-ins), plus files that must never be served.
    static func makeDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swagger-ui-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(bundle.utf8).write(to: directory.appendingPathComponent("swagger-ui-bundle.js"))
        try Data(css.utf8).write(to: directory.appendingPathComponent("swagger-ui.css"))
        try Data("not served".utf8).write(to: directory.appendingPathComponent("index.html"))
        try Data("not served".utf8).write(to: directory.appendingPathComponent("swagger-ui-bundle.js.map"))
        return directory.path
    }

    /// Requests that name no served file: other names, and attempts to climb out of `/doc/`.
    static let refused = [
        "/doc/index.html", "/doc/swagger-ui-bundle.js.map", "/doc/oauth2-redirect.html", "/doc/.installed-from", "/doc/SWAGGER-UI.CSS",
        "/doc/swagger-ui.css.gz", "/doc/../Package.swift", "/doc/%2e%2e/Package.swift", "/doc/%2E%2E/%2E%2E/Package.swift",
        "/doc/..%2fPackage.swift", "/doc/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/doc/swagger-ui.css/../../Package.swift", "/doc/./index.html",
        "/doc/swagger-ui-bundle.js%00.map", "/doc/%252e%252e/Package.swift", "/doc/*",
    ]

    @Test("both files are served from memory with their types, caching headers and entity tags; nothing else under /doc/ is")
    func servedFiles() async throws {
        let redis = try await RedisServer()
        let directory = try Self.makeDirectory()
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.swaggerUIDirectory = directory }
        try await harness.run { client in
            let script = try await client.execute(uri: "/doc/swagger-ui-bundle.js", method: .get)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.cacheControl] == DocsController.assetCacheControl)
            #expect(script.headers[.xContentTypeOptions] == "nosniff")
            #expect(script.text == Self.bundle)
            let css = try await client.execute(uri: "/doc/swagger-ui.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.text == Self.css)

            // Revalidation: the same tag gets 304 with no body; HEAD answers like GET without one.
            let tag = try #require(script.headers[.eTag])
            #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && tag != css.headers[.eTag])
            for header in [tag, "W/\(tag)", "\"other\", \(tag)"] {
                let revalidated = try await client.execute(uri: "/doc/swagger-ui-bundle.js", method: .get, headers: [.ifNoneMatch: header])
                #expect(revalidated.status == .notModified, "\(header)")
                #expect(revalidated.body.readableBytes == 0)
            }
            let changed = try await client.execute(uri: "/doc/swagger-ui-bundle.js", method: .get, headers: [.ifNoneMatch: "\"other\""])
            #expect(changed.status == .ok && changed.text == Self.bundle)
            let head = try await client.execute(uri: "/doc/swagger-ui.css", method: .head)
            #expect(head.status == .ok && head.headers[.contentType] == "text/css; charset=utf-8")

            for path in Self.refused {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path) answered \(response.status)")
                #expect(!response.text.contains("not served") && !response.text.contains("swift-tools-version"), "\(path)")
            }

            // With local files, the page's policy allows no CDN.
            let page = try await client.execute(uri: "/doc", method: .get)
            #expect(page.status == .ok)
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy == DocsController.contentSecurityPolicy(cdnFallback: false))
            #expect(!policy.contains("unpkg") && policy.contains("script-src 'self'") && policy.contains("style-src 'self'"))
            #expect(page.headers[.cacheControl] == "no-cache")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test("the files are read once at start: changing them on disk changes nothing until a restart")
    func readOnce() async throws {
        let redis = try await RedisServer()
        let directory = try Self.makeDirectory()
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.swaggerUIDirectory = directory }
        try await harness.run { client in
            try FileManager.default.removeItem(atPath: directory)
            let script = try await client.execute(uri: "/doc/swagger-ui-bundle.js", method: .get)
            #expect(script.status == .ok && script.text == Self.bundle)
        }
    }

    @Test("the paths are refused on the wire as sent, not only as a client library would normalise them")
    func refusedOnTheWire() async throws {
        let redis = try await RedisServer()
        let directory = try Self.makeDirectory()
        let ingest = try await ProductProcess.start("hook-ingest", arguments: ["--redis-url", redis.url, "--swagger-ui-dir", directory])
        let served = try await httpRequest(.GET, port: ingest.port, "/doc/swagger-ui-bundle.js")
        #expect(served.status == 200 && served.text == Self.bundle)
        for path in Self.refused {
            let response = try await httpRequest(.GET, port: ingest.port, path)
            #expect(response.status == 404, "\(path) answered \(response.status)")
            #expect(!response.text.contains("not served") && !response.text.contains("swift-tools-version"), "\(path)")
        }
        await ingest.terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test("with no directory, /doc/ serves nothing and the page may fall back to the CDN")
    func absentDirectory() async throws {
        let redis = try await RedisServer()
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.swaggerUIDirectory = nil }
        try await harness.run { client in
            for path in ["/doc/swagger-ui-bundle.js", "/doc/swagger-ui.css"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path)")
            }
            let page = try await client.execute(uri: "/doc", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("/doc/swagger-ui-bundle.js") && page.text.contains("var CDN_BASE = \"\(DocsController.cdnBase)\";"))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy == DocsController.contentSecurityPolicy(cdnFallback: true))
            #expect(policy.contains("script-src 'self' 'unsafe-inline' \(DocsController.cdnBase);"))
            #expect(policy.contains("style-src 'self' 'unsafe-inline' \(DocsController.cdnBase);"))
            let document = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(document.status == .ok, "the raw document the page falls back to last")
        }
    }

    @Test("--swagger-ui-dir and SWAGGER_UI_DIR must name a directory holding the files; the default places are only looked at")
    func configuration() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = directory + "/nowhere"
        func resolve(_ arguments: [String], _ environment: [String: String] = [:], candidates: [String]) throws -> String? {
            try IngestConfiguration(
                options: try IngestOptions.parse(arguments),
                access: try AccessOptions.parse([]),
                environment: EnvironmentValues(environment),
                swaggerUICandidates: candidates
            ).swaggerUIDirectory
        }
        #expect(try resolve(["--swagger-ui-dir", directory], candidates: []) == directory)
        #expect(try resolve([], ["SWAGGER_UI_DIR": directory], candidates: []) == directory)
        #expect(try resolve(["--swagger-ui-dir", directory], ["SWAGGER_UI_DIR": missing], candidates: []) == directory, "the command line wins")
        #expect(try resolve([], candidates: [missing, directory]) == directory)
        #expect(try resolve([], candidates: [missing]) == nil)
        for (arguments, environment) in [(["--swagger-ui-dir", missing], [:]), ([], ["SWAGGER_UI_DIR": missing])] {
            let error = #expect(throws: ConfigurationError.self) { try resolve(arguments, environment, candidates: [directory]) }
            #expect(error?.description.contains("must hold swagger-ui-bundle.js and swagger-ui.css") == true, "\(String(describing: error))")
        }
        // A directory with one of the two files is not a Swagger UI directory.
        try FileManager.default.removeItem(atPath: directory + "/swagger-ui.css")
        #expect(try resolve([], candidates: [directory]) == nil)
        #expect(SwaggerUIAssets.defaultDirectories == [".build-assets/swagger-ui", "/usr/share/mandrill-live/swagger-ui"])
    }

    @Test("the CDN fallback names the Swagger UI release the install script pins")
    func cdnMatchesPin() throws {
        let script = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("scripts/install-swagger-ui.sh"), encoding: .utf8)
        let version = try #require(script.split(separator: "\n").first { $0.hasPrefix("ui_version=") }?.dropFirst("ui_version=".count))
        #expect(DocsController.cdnBase == "https://unpkg.com/swagger-ui-dist@\(version)/")
        #expect(String(buffer: EmbeddedDocuments.docPage).contains("var CDN_BASE = \"\(DocsController.cdnBase)\";"))
    }
}
