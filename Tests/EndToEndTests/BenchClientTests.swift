import Foundation
import TestSupport
import Testing

/// `ws-bench fanout`'s clients count events without decoding them: SSE by its `id:`/blank-line framing, WebSocket
/// frames by their headers, compressed ones by RSV1. A miscount would not fail a benchmark, it would print a wrong
/// figure, so the counts are checked here against a real gateway: every delivery counted once, none twice, in each
/// transport, with permessage-deflate negotiated and not.
@Suite("ws-bench counts deliveries exactly (real gateway)")
struct BenchClientTests {
    static let clients = 20
    /// Ten of each of the default mix's thirteen types.
    static let events = 130

    @Test("SSE, plain and compressed WebSocket clients count every event of the default mix once; compressed ones in fewer wire bytes")
    func countsEveryTransport() async throws {
        let redis = try await RedisServer()
        let plainGateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url])
        let sse = try await fanout(plainGateway, redis: redis, ["--sse"])
        let plain = try await fanout(plainGateway, redis: redis, [])
        let declined = try await fanout(plainGateway, redis: redis, ["--compression"])
        await plainGateway.terminate()
        let compressingGateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url, "--compression"])
        let compressed = try await fanout(compressingGateway, redis: redis, ["--compression"])
        await compressingGateway.terminate()

        let deliveries = Double(Self.clients * Self.events)
        for run in [sse, plain, declined, compressed] {
            #expect(run["transport"] as? String != nil)
            #expect(number(run, "delivered") == deliveries, "\(run)")
            #expect(number(run, "lost") == 0, "\(run)")
            #expect(number(run, "closed_connections") == 0, "\(run)")
            #expect(run["mix"] as? String == "default")
        }
        #expect(sse["transport"] as? String == "sse")
        #expect(number(declined, "deflate_negotiated") == 0)
        #expect(number(declined, "compressed_events") == 0)
        #expect(number(compressed, "deflate_negotiated") == Double(Self.clients))
        #expect(number(compressed, "compressed_events") == deliveries)

        // A frame is the envelope and a header of 2 to 4 bytes (live notices, counted too, are few); an SSE event
        // adds its `id:` line and `data: ` to the envelope.
        let envelope = try #require(number(plain, "envelope_bytes_mean"))
        let plainBytes = try #require(number(plain, "wire_bytes_per_event"))
        #expect(plainBytes > envelope && plainBytes < envelope + 16)
        #expect(abs(try #require(number(declined, "wire_bytes_per_event")) - plainBytes) < 1)
        let sseBytes = try #require(number(sse, "wire_bytes_per_event"))
        #expect(sseBytes > plainBytes + Double("id: 1-1\ndata: \n\n".utf8.count))
        #expect(try #require(number(compressed, "wire_bytes_per_event")) < plainBytes / 2)
    }

    /// Runs `ws-bench fanout` against `gateway` and returns the JSON line it printed.
    private func fanout(_ gateway: ProductProcess, redis: RedisServer, _ arguments: [String]) async throws -> [String: Any] {
        let (status, output) = try await runCommand(
            TestPaths.executable("ws-bench"),
            [
                "fanout", "--port", String(gateway.port), "--redis-url", redis.url, "--clients", String(Self.clients),
                "--events", String(Self.events), "--mix", "default",
            ] + arguments
        )
        #expect(status == 0, "\(output)")
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") }, "ws-bench printed no result:\n\(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    private func number(_ run: [String: Any], _ key: String) -> Double? {
        (run[key] as? NSNumber)?.doubleValue
    }
}
