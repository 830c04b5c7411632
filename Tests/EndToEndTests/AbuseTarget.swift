import Common
import Foundation
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// The pipeline the abuse tests attack: a real Redis, hook-ingest and (optionally) ws-gateway, and the checks
/// every attack ends with. An attack counts as survived only when (a) the process still runs, (b) `/healthz`
/// answers 200, (c) real work still gets done: a signed batch is accepted and stored, and reaches a freshly
/// connected stream, and (d) the peak resident memory grew less than the attack's stated bound.
struct AbuseTarget {
    static let signedURL = "https://hooks.example.com/mandrill/events"
    static let key = "abuse-key"
    static let webhookPath = "/mandrill/events"

    let redis: RedisServer
    let ingest: ProductProcess
    let gateway: ProductProcess?
    /// What a legitimate reader sends when the gateway was started with a token option.
    var readerHeaders: [(String, String)] = []

    /// - Parameter gatewayArguments: `nil` starts no gateway (attacks on hook-ingest alone).
    static func start(ingestArguments: [String] = [], gatewayArguments: [String]? = []) async throws -> AbuseTarget {
        let redis = try await RedisServer()
        let ingest = try await ProductProcess.startIngest(
            signedURL: signedURL,
            keys: key,
            arguments: ["--redis-url", redis.url, "--log-level", "warning"] + ingestArguments
        )
        var gateway: ProductProcess?
        if let gatewayArguments {
            gateway = try await ProductProcess.start(
                "ws-gateway",
                arguments: ["--redis-url", redis.url, "--log-level", "warning"] + gatewayArguments
            )
        }
        return AbuseTarget(redis: redis, ingest: ingest, gateway: gateway)
    }

    /// The gateway, for tests that attack it.
    var attackedGateway: ProductProcess {
        get throws { try #require(gateway, "this target was started without a gateway") }
    }

    static func memory(of process: ProductProcess) -> ProcessMemory {
        ProcessMemory(pid: process.process.processIdentifier)
    }

    /// POSTs `batch` to hook-ingest's webhook path.
    func post(_ batch: SignedBatch) async throws -> HTTPClientConnection.Response {
        try await httpRequest(.POST, port: ingest.port, Self.webhookPath, headers: batch.headers, body: batch.body)
    }

    /// POSTs a signed batch of `size` new events; returns their stream ids, read back from Redis.
    func postSignedBatch(size: Int, seed: UInt64 = .random(in: 1...UInt64.max)) async throws -> [StreamID] {
        var factory = EventFactory(seed: seed, instance: Int(seed % 1000))
        let batch = SignedBatch(events: factory.batch(size: size), signedURL: Self.signedURL, key: Self.key)
        let response = try await post(batch)
        guard response.status == 200 else { throw TestSupportError("signed batch answered \(response.status): \(response.text)") }
        let checker = redis.client()
        let newest = try? await checker.send("XREVRANGE", "mandrill:events", "+", "-", "COUNT", String(size))
        await checker.shutdown()
        return StreamEntry.entries(in: try #require(newest)).map(\.id).reversed()
    }

    /// The number of entries in the events stream.
    func streamLength() async throws -> Int {
        let checker = redis.client()
        let reply = try await checker.send("XLEN", "mandrill:events")
        await checker.shutdown()
        return reply.int ?? 0
    }

    /// Checks (a)–(d) for the attacked `process` after an attack that grew it by `growth`.
    func expectSurvived(
        _ process: ProductProcess,
        growth: MemoryGrowth,
        boundMiB: Double,
        attack: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        MemoryLog.record(attack: attack, process: process.name, growth: growth, boundMiB: boundMiB)
        // (a) Alive; a dead process makes every later check meaningless, so say how it died and stop.
        guard process.process.isRunning else {
            let status = await process.process.waitForExit()
            let how = status > 128 ? "killed by signal \(status - 128)" : "exit status \(status)"
            let log = process.log
            let fatal = log.split(separator: "\n").first { $0.contains("Fatal error") || $0.contains("Error:") }
            let cause = fatal.map(String.init) ?? String(log.suffix(1000))
            Issue.record("\(attack): \(process.name) died (\(how)): \(cause)\nlog: \(process.process.logFile.path)", sourceLocation: sourceLocation)
            return
        }
        // (b) Health.
        let health = try? await httpRequest(.GET, port: process.port, "/healthz")
        #expect(health?.status == 200, "\(attack): /healthz of \(process.name) answered \(health?.status ?? 0)", sourceLocation: sourceLocation)
        // (c) Real work: stored by the ingest, and streamed to a new client when a gateway runs.
        do {
            if let gateway {
                try await expectDelivered(through: gateway)
            } else {
                let before = try await streamLength()
                let ids = try await postSignedBatch(size: 3)
                #expect(try await streamLength() == before + 3, "\(attack): the signed batch is stored", sourceLocation: sourceLocation)
                #expect(ids.count == 3, sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("\(attack): a signed batch afterwards failed: \(error)", sourceLocation: sourceLocation)
        }
        // (d) Memory.
        let grown = try #require(growth.growthMiB, "\(attack): \(growth)", sourceLocation: sourceLocation)
        #expect(
            grown < boundMiB,
            "\(attack): \(process.name) peak RSS growth must stay below \(boundMiB) MiB; \(growth)",
            sourceLocation: sourceLocation
        )
    }

    /// A client connected after the attack receives a signed batch posted to the ingest, every event in order.
    private func expectDelivered(through gateway: ProductProcess) async throws {
        guard case .connected(let client) = try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/", headers: readerHeaders) else {
            throw TestSupportError("a fresh client was refused")
        }
        let collector = StreamCollector(client)
        try await collector.waitForLive(timeout: .seconds(60))
        let ids = try await postSignedBatch(size: 5)
        try await collector.waitForEvents(ids.count, timeout: .seconds(60))
        #expect(collector.ids == ids, "the fresh client receives the batch")
        await client.disconnect()
    }

    func stop() async {
        if let gateway { await gateway.terminate() }
        await ingest.terminate()
        await redis.stop()
    }
}

/// Appends every measured figure to `test-output/abuse-memory.txt`, so that a passing run still shows how close
/// each attack came to its bound (CI keeps `test-output/` as an artifact).
enum MemoryLog {
    static func record(attack: String, process: String, growth: MemoryGrowth, boundMiB: Double) {
        let line = "\(attack) | \(process) | \(growth) | bound \(Int(boundMiB)) MiB\n"
        let file = TestPaths.outputDirectory.appendingPathComponent("abuse-memory.txt")
        try? FileManager.default.createDirectory(at: TestPaths.outputDirectory, withIntermediateDirectories: true)
        if let handle = try? FileHandle(forWritingTo: file) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        } else {
            try? line.write(to: file, atomically: true, encoding: .utf8)
        }
    }
}
