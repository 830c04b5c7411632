import Foundation
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// schemathesis (from PyPI, pinned in scripts/test.sh) generates requests from the OpenAPI document — its examples,
/// boundary and invalid values, then random ones — sends them to a live hook-ingest and checks every answer against
/// the document.
@Suite("schemathesis against a live hook-ingest")
struct SchemathesisTests {
    /// The registration's URL is the one the document's example signature (`test-webhook`) was computed over, so the
    /// document's verification example answers 200 rather than 401.
    static let signedURL = "http://localhost/api/hook/"
    static let key = "schemathesis-key"
    static let process = "hook-ingest"

    /// Only what the command line cannot say. A 5xx fails, except 503: `status_code_conformance` fails a 503 on an
    /// operation that does not document it, so together they allow 503 only where the document does. The crash cache
    /// is off so that no run depends on an earlier one (and nothing is written to the package folder).
    static let configuration = """
        [checks.not_a_server_error]
        expected-statuses = ["1XX", "2XX", "3XX", "4XX", "503"]

        [cache]
        enabled = false

        """

    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance", "response_schema_conformance",
    ]

    @Test("no 5xx but the documented 503; every status, content type, header and body as the document says")
    func contract() async throws {
        let schemathesis = try #require(
            which("schemathesis"),
            "schemathesis is not on PATH: `make test` installs it into .build-venv (scripts/test.sh), or pip install it"
        )
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.startIngest(
            signedURL: Self.signedURL,
            keys: Self.key,
            arguments: ["--redis-url", redis.url, "--log-format", "json"]
        )
        let directory = TestPaths.outputDirectory.appendingPathComponent("schemathesis-\(ingest.port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let served = try await httpRequest(.GET, port: ingest.port, "/openapi.json")
        #expect(served.status == 200)
        let documentFile = directory.appendingPathComponent("openapi.json")
        try Data(served.body).write(to: documentFile)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(served.body)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])

        // The document covers both processes; each path says which serves it.
        let otherPaths = paths.filter { $0.value["x-process"] as? String != Self.process }.keys.sorted()
        #expect(otherPaths.contains("/ws/email/"))
        let operations = Self.operationCount(paths.values)
        let ownOperations = Self.operationCount(paths.values.filter { $0["x-process"] as? String == Self.process })
        #expect(ownOperations >= 9)

        try await storeExamples(from: paths, port: ingest.port)

        let configurationFile = directory.appendingPathComponent("schemathesis.toml")
        try Self.configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        let arguments = [
            "--config-file", configurationFile.path, "--no-color",
            "run", documentFile.path,
            "--url", "http://127.0.0.1:\(ingest.port)",
            "--exclude-path-regex", "^(" + otherPaths.map(Self.escapedForRegex).joined(separator: "|") + ")$",
            "--checks", Self.checks.joined(separator: ","),
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", "100",
            // Derandomized: the same document and server give the same requests every run (and no example database).
            "--generation-deterministic",
            "--workers", "1",
            "--request-timeout", "30",
            "--report", "junit,ndjson", "--report-dir", directory.appendingPathComponent("report").path,
        ]
        let started = ContinuousClock.now
        let run = try ManagedProcess(
            name: "schemathesis-\(ingest.port)",
            executable: schemathesis,
            arguments: arguments,
            // Hypothesis keeps caches in the working directory unless told otherwise.
            environment: ["HYPOTHESIS_STORAGE_DIRECTORY": directory.appendingPathComponent("hypothesis").path]
        )
        do {
            // A safety net for a hung run, never a timing assertion: a run takes seconds to a minute or two.
            try await waitUntil("schemathesis to finish (log: \(run.logFile.path))", timeout: .seconds(900)) { !run.isRunning }
        } catch {
            await run.kill()
            throw error
        }
        let status = await run.waitForExit()
        let output = "$ schemathesis \(arguments.joined(separator: " "))\n(\(ContinuousClock.now - started))\n\n\(run.log)"
        try output.write(to: directory.appendingPathComponent("output.txt"), atomically: true, encoding: .utf8)

        #expect(status == 0, "schemathesis found problems (report in \(directory.path)):\n\(output)")
        if status == 0 {
            #expect(
                output.contains("Selected: \(ownOperations)/\(operations)"),
                "schemathesis should test every \(Self.process) operation and no other:\n\(output)"
            )
        }
        // With Redis up, a documented 503 still means hook-ingest failed to do its job: every failure to read or
        // store is logged as a warning, so none may appear.
        let warnings = ingest.log.split(separator: "\n").filter { line in
            ["\"level\":\"warning\"", "\"level\":\"error\"", "\"level\":\"critical\""].contains { line.contains($0) }
        }
        #expect(
            warnings.isEmpty,
            "hook-ingest logged \(warnings.count) problems while Redis was up, first:\n\(warnings.prefix(10).joined(separator: "\n"))"
        )
        await ingest.terminate()
        await redis.stop()
    }

    /// Stores the document's own example batches, signed with the registration's key, so that the read API answers
    /// with real events and messages (the documented example message id then exists) rather than empty pages and 404s.
    private func storeExamples(from paths: [String: [String: Any]], port: Int) async throws {
        let post = try #require(paths["/api/hook/"]?["post"] as? [String: Any])
        let body = try #require(post["requestBody"] as? [String: Any])
        let content = try #require((body["content"] as? [String: Any])?["application/x-www-form-urlencoded"] as? [String: Any])
        let examples = try #require(content["examples"] as? [String: [String: Any]])
        var stored = 0
        for (name, example) in examples.sorted(by: { $0.key < $1.key }) {
            guard let events = (example["value"] as? [String: Any])?["mandrill_events"] as? String, events != "[]" else { continue }
            let batch = SignedBatch(mandrillEvents: events, signedURL: Self.signedURL, key: Self.key)
            let response = try await httpRequest(.POST, port: port, "/api/hook/", headers: batch.headers, body: batch.body)
            #expect(response.status == 200, "example \(name): \(response.text)")
            stored += 1
        }
        #expect(stored >= 4)
    }

    /// Operations are the members of a path item that have responses (the others are `servers`, `summary`, …).
    private static func operationCount(_ items: some Sequence<[String: Any]>) -> Int {
        items.reduce(0) { count, item in count + item.values.filter { ($0 as? [String: Any])?["responses"] != nil }.count }
    }

    private static func escapedForRegex(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\^$.|?*+()[]{}".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
