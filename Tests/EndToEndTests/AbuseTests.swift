import Common
import Foundation
import NIOHTTP1
import NetClients
import TestSupport
import Testing

/// Hostile peers against the real processes: each test starts Redis, hook-ingest and (where attacked) ws-gateway,
/// attacks over real loopback sockets with a bounded number of bytes and connections, and then requires what
/// the design promises: the process is still up and healthy, still does real work, and its peak memory grew
/// less than a stated bound ("no request, connection or client can make a process use unbounded memory").
///
/// Serialized: the attacks are heavy, and memory peaks are clearer on a machine that is not also running the
/// other attacks. No test asserts a duration; every wait is a generous safety net.
@Suite("Abuse: hostile peers against the real processes", .serialized)
struct AbuseTests {
    /// Query strings a client controls completely; `accepted` lists the answers that are correct for each.
    static let hostileQueries: [(label: String, query: String, accepted: Set<Int>)] = [
        ("?=", "?=", [101, 400]),
        ("?a=b&=", "?a=b&=", [101, 400]),
        ("?&&&=&", "?&&&=&", [101, 400]),
        ("?%", "?%", [101, 400]),
        ("?%zz=1", "?%zz=1", [101, 400]),
        ("?since=%ff", "?since=%ff", [400]),
        ("?types= + 20,000 commas", "?types=" + String(repeating: ",", count: 20_000), [101, 400, 414, 431]),
        ("?email=a+b@x.com (valid)", "?email=a+b@x.com", [101]),
        ("2,000 × a=1&", "?" + String(repeating: "a=1&", count: 2_000), [101, 400, 414, 431]),
        ("?backlog=99999999999999999999", "?backlog=99999999999999999999", [400]),
        ("?since=18446744073709551616-0", "?since=18446744073709551616-0", [400]),
    ]

    @Test("hostile query strings on /ws/email/ get a status line each, and the gateway survives (peak RSS growth < 64 MiB)")
    func hostileQueries() async throws {
        let target = try await AbuseTarget.start()
        let gateway = try target.attackedGateway
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            for (label, query, accepted) in Self.hostileQueries {
                guard gateway.process.isRunning else {
                    Issue.record("\(label) not sent: the gateway is already dead")
                    continue
                }
                do {
                    let socket = try RawSocket(port: gateway.port)
                    _ = await socket.write(WebSocketWire.upgradeRequest(target: "/ws/email/" + query, port: gateway.port))
                    let head = try await socket.readResponseHead(timeout: .seconds(30))
                    #expect(accepted.contains(head.status), "\(label): answered \(head.statusLine), expected one of \(accepted.sorted())")
                    socket.close()
                } catch {
                    Issue.record("\(label): no status line (\(error)); gateway running: \(gateway.process.isRunning)")
                }
            }
        }
        try await target.expectSurvived(gateway, growth: growth, boundMiB: 64, attack: "hostile queries")
        await target.stop()
    }

    /// Close codes a peer must never put on the wire (1005, 1006, 1015), codes that are not codes (999), and a
    /// payload too short to hold one: the answer is a protocol error, never an echo of the invalid code.
    static let invalidCloses: [(label: String, payload: [UInt8])] = [
        ("1005", [0x03, 0xED]),
        ("1006", [0x03, 0xEE]),
        ("1015", [0x03, 0xF7]),
        ("999", [0x03, 0xE7]),
        ("1-byte payload", [0x03]),
    ]

    @Test("invalid close frames are answered with 1002, never an echo of 1005/1006/1015; 1000 gets 1000 (peak RSS growth < 32 MiB)")
    func closeCodes() async throws {
        let target = try await AbuseTarget.start()
        let gateway = try target.attackedGateway
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            for (label, payload) in Self.invalidCloses + [("1000", [0x03, 0xE8])] {
                let expected: UInt16 = label == "1000" ? 1000 : 1002
                do {
                    let socket = try await RawSocket.webSocket(port: gateway.port)
                    _ = await socket.write(WebSocketWire.close(payload: payload))
                    let reply = await socket.readCloseFrame(timeout: .seconds(30))
                    let code = reply?.closeCode
                    #expect(reply != nil, "close \(label): the server sent no close frame")
                    #expect(![1005, 1006, 1015].contains(code), "close \(label): the server answered with the reserved code \(code ?? 0)")
                    #expect(code == expected, "close \(label): answered \(code.map(String.init) ?? "no code"), expected \(expected)")
                    socket.close()
                } catch {
                    Issue.record("close \(label): \(error)")
                }
            }
        }
        try await target.expectSurvived(gateway, growth: growth, boundMiB: 32, attack: "invalid close frames")
        await target.stop()
    }

    @Test("4,000 handshakes from 8 tasks: connections back to 0 in /metrics (peak RSS growth < 64 MiB)")
    func handshakeStorm() async throws {
        let target = try await AbuseTarget.start()
        let gateway = try target.attackedGateway
        let port = gateway.port
        let refused = Locked<[String]>([])
        let growth = try await AbuseTarget.memory(of: gateway).peakGrowth {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<500 {
                            do {
                                let socket = try await RawSocket.webSocket(port: port)
                                _ = await socket.write(WebSocketWire.close(code: 1000))
                                socket.close()
                            } catch {
                                refused.withLock { $0.append("\(error)") }
                            }
                        }
                    }
                }
            }
        }
        #expect(refused.value.isEmpty, "\(refused.value.count) handshakes failed, first: \(refused.value.first ?? "")")
        try await target.expectSurvived(gateway, growth: growth, boundMiB: 64, attack: "handshake storm")
        if gateway.process.isRunning {
            try await waitUntil("mandrill_gateway_connections back to 0", timeout: .seconds(60)) {
                let metrics = try? await httpRequest(.GET, port: port, "/metrics")
                return Self.gauge("mandrill_gateway_connections", in: metrics?.text ?? "") == 0
            }
        }
        await target.stop()
    }

    /// The value of an unlabelled gauge in Prometheus text.
    static func gauge(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
