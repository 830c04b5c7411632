import Common
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

/// Attacks on the token check: it runs before anything else a stranger can reach on the stream path.
extension AbuseTests {
    static let jwtSecret = "abuse-secret-0123456789abcdef0123456789"

    @Test(
        "4,000 handshakes with hostile tokens and day-long valid ones, from 8 tasks: all refused or closed, connections back to 0 (peak RSS growth < 64 MiB)"
    )
    func tokenStorm() async throws {
        var target = try await AbuseTarget.start(gatewayArguments: ["--jwt-secrets", Self.jwtSecret, "--compression"])
        let valid = try await ReaderTokenMinter.hs256(secret: Self.jwtSecret, scope: ReaderScope(subaccounts: ["acme"]), lifetime: .seconds(86_400))
        let reader = try await ReaderTokenMinter.hs256(secret: Self.jwtSecret, lifetime: .seconds(600))
        target.readerHeaders = [("Authorization", "Bearer \(reader)")]
        let gateway = try target.attackedGateway
        let port = gateway.port
        let forged = try await ReaderTokenMinter.hs256(secret: "not-the-secret-0123456789abcdef01234567", lifetime: .seconds(86_400))
        let hostile: [[(String, String)]] = [
            // Just under the header limits: a token far past the 8 KiB a token may have.
            [("Authorization", "Bearer " + String(repeating: "a", count: 60_000))],
            [("Authorization", "Bearer " + String(repeating: "eyJhbGciOiJIUzI1NiJ9.", count: 400))],
            // Many subprotocol headers, none of them the bearer pair.
            (0..<200).map { _ in ("Sec-WebSocket-Protocol", "chat, bearer2.\(String(repeating: "x", count: 200))") },
            [("Sec-WebSocket-Protocol", "bearer, bearer.\(forged)")],
            // With --compression every offer is parsed: many headers of many offers with repeated parameters.
            (0..<100).map { _ in
                (
                    "Sec-WebSocket-Extensions",
                    Array(repeating: "permessage-deflate; client_max_window_bits; client_max_window_bits=9", count: 8).joined(separator: ", ")
                )
            },
            [("Authorization", "Bearer \(forged)")],
        ]
        let outcomes = Locked<[Int: Int]>([:])
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for attempt in 0..<500 {
                            // Every sixth handshake carries a valid day-long token: its expiry timer must go with it.
                            let headers = attempt % 6 == 5 ? [("Authorization", "Bearer \(valid)")] : hostile[(task + attempt) % hostile.count]
                            let status: Int
                            do {
                                let socket = try RawSocket(port: port)
                                _ = await socket.write(WebSocketWire.upgradeRequest(target: "/ws/email/", port: port, headers: headers))
                                status = (try? await socket.readResponseHead().status) ?? 0
                                if status == 101 { _ = await socket.write(WebSocketWire.close(code: 1000)) }
                                socket.close()
                            } catch {
                                status = -1
                            }
                            outcomes.withLock { $0[status, default: 0] += 1 }
                        }
                    }
                }
            }
        }
        let counts = outcomes.value
        let validAttempts = 8 * (0..<500).filter { $0 % 6 == 5 }.count
        #expect(counts[101] == validAttempts, "every valid token connects, no forged one does: \(counts)")
        #expect(Set(counts.keys).isSubset(of: [101, 401, 431, 400]), "unexpected answers: \(counts)")
        try await target.expectSurvived(gateway, growth: growth, boundMiB: 64, attack: "token storm")
        if gateway.process.isRunning {
            try await waitUntil("mandrill_gateway_connections back to 0", timeout: .seconds(60)) {
                let metrics = try? await httpRequest(.GET, port: port, "/metrics")
                return Self.gauge("mandrill_gateway_connections", in: metrics?.text ?? "") == 0
            }
        }
        await target.stop()
    }
}
