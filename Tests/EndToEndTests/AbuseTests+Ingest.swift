import NetClients
import TestSupport
import Testing

/// Attacks on hook-ingest's webhook path: anyone on the network can POST there, signed or not, so everything it
/// does before the signature is checked must be bounded.
extension AbuseTests {
    /// The default `--max-body-bytes`: the attacks use every byte a server must accept.
    static let maxBody = 32 << 20

    @Test("form field bomb: 32 MiB of ~5.5 million empty fields, bad signature, gets a 4xx (peak RSS growth < 150 MiB)")
    func fieldBomb() async throws {
        let target = try await AbuseTarget.start(gatewayArguments: nil)
        let (body, fields) = HostilePeer.formFieldBomb(maxBytes: Self.maxBody)
        #expect(fields > 5_000_000)
        var status = 0
        let growth = try await AbuseTarget.memory(of: target.ingest).peakGrowth {
            let head = try? await HostilePeer.unsignedPost(port: target.ingest.port, path: AbuseTarget.webhookPath, body: body)
            status = head?.status ?? 0
        }
        #expect((400..<500).contains(status), "the field bomb was answered \(status); expected 400 (too many form fields)")
        try await target.expectSurvived(target.ingest, growth: growth, boundMiB: 150, attack: "form field bomb")
        await target.stop()
    }

    @Test("8 parallel unsigned 32 MiB bodies get 401 (or 503 + Retry-After) (peak RSS growth < 400 MiB)")
    func parallelOversizedBodies() async throws {
        let target = try await AbuseTarget.start(gatewayArguments: nil)
        let body = HostilePeer.oversizedBatch(bytes: Self.maxBody)
        let port = target.ingest.port
        let answers = Locked<[String]>([])
        let growth = try await AbuseTarget.memory(of: target.ingest).peakGrowth {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let answer: String
                        do {
                            let head = try await HostilePeer.unsignedPost(port: port, path: AbuseTarget.webhookPath, body: body)
                            let isRetry = head.status == 503 && head.header("Retry-After") != nil
                            answer = head.status == 401 || isRetry ? "ok" : head.statusLine
                        } catch {
                            answer = "\(error)"
                        }
                        answers.withLock { $0.append(answer) }
                    }
                }
            }
        }
        for answer in answers.value {
            #expect(answer == "ok", "an unsigned 32 MiB body was answered: \(answer)")
        }
        try await target.expectSurvived(target.ingest, growth: growth, boundMiB: 400, attack: "8 × 32 MiB unsigned bodies")
        await target.stop()
    }

    @Test("a stalled body and an idle keep-alive connection are closed by the server (peak RSS growth < 100 MiB)")
    func stalledBodyAndIdleConnection() async throws {
        let target = try await AbuseTarget.start(ingestArguments: ["--body-timeout", "2s", "--idle-timeout", "5s"], gatewayArguments: nil)
        let port = target.ingest.port
        var stalled: RawSocket.ReadOutcome = .timedOut
        var idle: RawSocket.ReadOutcome = .timedOut
        var answer = ""
        let growth = try await AbuseTarget.memory(of: target.ingest).peakGrowth {
            let idleSocket = try RawSocket(port: port)
            let socket = try RawSocket(port: port)
            _ = await socket.write(HostilePeer.unsignedHeaders(port: port, path: AbuseTarget.webhookPath, contentLength: 33_554_431))
            _ = await socket.write([UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20))
            // Now silence on both. The server must end them; 60 s is a safety net, not the expected time.
            async let idleEnd = idleSocket.readUntilClosed(timeout: .seconds(60))
            let (outcome, received) = await socket.readUntilClosed(timeout: .seconds(60))
            stalled = outcome
            answer = String(decoding: received.prefix(64), as: UTF8.self)
            idle = await idleEnd.outcome
        }
        #expect(stalled != .timedOut, "a body that stopped after 1 MiB of 32 MiB kept its connection open")
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 408"), "the stalled body was answered: \(answer)")
        #expect(idle != .timedOut, "a connection that never sent a request was kept open")
        try await target.expectSurvived(target.ingest, growth: growth, boundMiB: 100, attack: "stalled body + idle connection")
        await target.stop()
    }
}
