import Foundation
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

@Suite("The OpenAPI document matches the running processes")
struct OpenAPIContractTests {
    @Test("the served document is valid OpenAPI (checked by openapi-spec-validator)")
    func validDocument() async throws {
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.start("hook-ingest", arguments: ["--redis-url", redis.url])
        let response = try await httpRequest(.GET, port: ingest.port, "/openapi.json")
        #expect(response.status == 200)
        let checkedIn = try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent("Sources/hook-ingest/Documentation/openapi.json"))
        #expect(response.body == Array(checkedIn), "hook-ingest serves openapi.json as checked in")
        let file = TestPaths.outputDirectory.appendingPathComponent("openapi-\(ingest.port).json")
        try Data(response.body).write(to: file)
        // `make test` puts a virtualenv with openapi-spec-validator first on PATH.
        let validator = try #require(which("openapi-spec-validator"), "openapi-spec-validator is not on PATH (pip install openapi-spec-validator)")
        let result = try await runCommand(validator, [file.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("OK"))
        let page = try await httpRequest(.GET, port: ingest.port, "/doc")
        #expect(page.status == 200)
        #expect(page.text.contains("/openapi.json"))
        #expect(page.text.contains("raw-spec"), "the page falls back to the raw document when Swagger UI cannot load")
        await ingest.terminate()
    }

    @Test("every documented route of both processes exists and answers with a documented status")
    func everyRouteAnswers() async throws {
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.start("hook-ingest", arguments: ["--redis-url", redis.url])
        let gateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url])
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(try await httpRequest(.GET, port: ingest.port, "/openapi.json").body)) as? [String: Any]
        )
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        #expect(paths.count >= 12)
        var checked = 0
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            let process = try #require(item["x-process"] as? String, "\(path) has no x-process")
            let port = process == "hook-ingest" ? ingest.port : gateway.port
            let concretePath = path.replacingOccurrences(of: "{id}", with: "no-such-message")
            if path == "/sse/email/" {
                // A stream's body never ends, so only its head is read.
                let stream = try await SSEClient.open(port: port, path: path)
                let documented = Set(((item["get"] as? [String: Any])?["responses"] as? [String: Any] ?? [:]).keys.compactMap(Int.init))
                #expect(documented.contains(stream.head.status), "GET \(path) answered \(stream.head.status)")
                stream.close()
                checked += 1
                continue
            }
            for (method, operation) in item {
                guard let operation = operation as? [String: Any], let responses = operation["responses"] as? [String: Any] else { continue }
                let documented = Set(responses.keys.compactMap(Int.init))
                let response = try await httpRequest(HTTPMethod(rawValue: method.uppercased()), port: port, concretePath)
                #expect(
                    documented.contains(response.status),
                    "\(method.uppercased()) \(path) on \(process) answered \(response.status), documented \(documented.sorted())"
                )
                checked += 1
            }
        }
        #expect(checked >= 14)

        // The interesting successes, which a bare request cannot reach.
        let test = SignedBatch(mandrillEvents: "[]", signedURL: "http://localhost/api/hook/", key: "test-webhook")
        let verified = try await httpRequest(.POST, port: ingest.port, "/api/hook/", headers: test.headers, body: test.body)
        #expect(verified.status == 200)
        await ingest.terminate()
        await gateway.terminate()
    }
}
