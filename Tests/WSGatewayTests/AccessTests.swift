import Common
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import NetClients
import Simulation
import TestSupport
import Testing

@testable import ws_gateway

@Suite("ws-gateway: who may connect, and what they may send")
struct AccessTests {
    @Test("tokens: missing or wrong gets 401, a right one (query or Bearer) connects")
    func tokens() async throws {
        let redis = try await RedisServer()
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.access.tokens = ["alpha", "beta"] }
        try await harness.run { port, _ in
            let result1 = try await refusal(port: port)
            #expect(result1?.status == 401)
            let result2 = try await refusal(port: port, query: "token=gamma")
            #expect(result2?.status == 401)
            let result3 = try await refusal(port: port, query: "token=beta")
            #expect(result3 == nil)
            let result4 = try await refusal(port: port, headers: [("Authorization", "Bearer alpha")])
            #expect(result4 == nil)
        }
        #expect(!harness.logs.text.contains("alpha") && !harness.logs.text.contains("beta"))
    }

    @Test("a browser page from another site is refused (403); the gateway's own pages and programs connect")
    func origins() async throws {
        let redis = try await RedisServer()
        try await GatewayHarness(redis: redis).run { port, _ in
            let refused = try await refusal(port: port, headers: [("Origin", "https://evil.example")])
            #expect(refused?.status == 403)
            let result5 = try await refusal(port: port, headers: [("Origin", "http://127.0.0.1:\(port)")])
            #expect(result5 == nil)
            let result6 = try await refusal(port: port)
            #expect(result6 == nil)
        }
    }

    @Test(
        "bad handshakes and queries get 400 with a reason; a plain GET gets 426",
        arguments: [
            ("since=yesterday", "since must be a stream id"),
            ("since=1-0&backlog=3", "not both"),
            ("backlog=-1", "backlog must be"),
        ]
    )
    func badRequests(query: String, reason: String) async throws {
        let redis = try await RedisServer()
        try await GatewayHarness(redis: redis).run { port, client in
            let refused = try #require(try await refusal(port: port, query: query))
            #expect(refused.status == 400)
            #expect(refused.body.contains(reason))
            let plain = try await client.execute(uri: "/ws/email/", method: .get)
            #expect(plain.status == .upgradeRequired)
            let badKey = try await httpRequest(
                .GET,
                port: port,
                "/ws/email/",
                headers: [
                    ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "tooshort"), ("Sec-WebSocket-Version", "13"),
                ]
            )
            #expect(badKey.status == 400)
        }
    }

    @Test("past --max-connections new clients get 503; plain HTTP still works")
    func capacity() async throws {
        let redis = try await RedisServer()
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.maxConnections = 2 }
        try await harness.run { port, client in
            let (first, _) = try await connect(port: port)
            let (second, _) = try await connect(port: port)
            let result7 = try await refusal(port: port)
            #expect(result7?.status == 503)
            let result8 = try await client.execute(uri: "/healthz", method: .get).status
            #expect(result8 == .ok)
            await first.disconnect()
            // The gateway counts the closed client out (the gauge is what frees the slot), then a new one fits. The
            // generous timeout is for a machine loaded by the other suites; no duration is asserted.
            let open = Locked("")
            try await waitUntil("the closed client to be counted out (metrics: \(open.value))", timeout: .seconds(120)) {
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                open.withLock { $0 = metrics.split(separator: "\n").first { $0.hasPrefix("mandrill_gateway_connections ") }.map(String.init) ?? "" }
                return open.value == "mandrill_gateway_connections 1.0" || open.value == "mandrill_gateway_connections 1"
            }
            try await waitUntil("a slot to free up", timeout: .seconds(120)) { try await refusal(port: port) == nil }
            await second.disconnect()
        }
    }

    @Test("a client that sends data is closed with 1003; pings are answered")
    func clientFrames() async throws {
        let redis = try await RedisServer()
        try await GatewayHarness(redis: redis).run { port, _ in
            let (client, collector) = try await connect(port: port)
            try await collector.waitForLive()
            try await client.sendPing()
            try await client.send(text: "subscribe me to everything")
            try await collector.waitForClose()
            #expect(collector.snapshot.close?.code == 1003)
        }
    }

    @Test("a close frame carrying 1005, 1006 or 1015 is answered with 1002 and an empty one with 1000: reserved codes never go on the wire")
    func reservedCloseCodes() async throws {
        let redis = try await RedisServer()
        try await GatewayHarness(redis: redis).run { port, _ in
            let cases: [(payload: [UInt8], answer: UInt16)] = [([0x03, 0xED], 1002), ([0x03, 0xEE], 1002), ([0x03, 0xF7], 1002), ([], 1000)]
            for (payload, answer) in cases {
                let socket = try await RawSocket.webSocket(port: port)
                // The live notice: the stream's handler is in place and reads the client's frames.
                #expect(await socket.readFrame(timeout: .seconds(10))?.text.contains(#""control":"live""#) == true)
                _ = await socket.write(WebSocketWire.close(payload: payload))
                let close = try #require(await socket.readCloseFrame(timeout: .seconds(10)), "no answer to \(payload)")
                #expect(close.closeCode == answer, "close \(payload)")
                socket.close()
            }
        }
    }

    @Test("a peer that stops answering pings is dropped; one that answers stays")
    func deadPeers() async throws {
        let redis = try await RedisServer()
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.pingInterval = .seconds(1) }
        try await harness.run { port, _ in
            let (alive, aliveCollector) = try await connect(port: port)
            let (_, deadCollector) = try await connect(port: port, answerPings: false)
            try await deadCollector.waitForClose()
            #expect(deadCollector.snapshot.pings >= 1)
            try await waitUntil("a few pings to the live client") { aliveCollector.snapshot.pings >= 3 }
            #expect(!aliveCollector.snapshot.ended)
            await alive.disconnect()
        }
    }

    @Test("a connection that never sends its request is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        let redis = try await RedisServer()
        var harness = GatewayHarness(redis: redis)
        // Long enough for the harness's own HTTP client to send its first request on a loaded machine.
        harness.configure = { $0.handshakeTimeout = .seconds(2) }
        try await harness.run { port, _ in
            // A plain socket: the server may close it before a NIO client would even have seen it become active.
            let silent = try RawSocket(port: port)
            let (outcome, received) = await silent.readUntilClosed(timeout: .seconds(30))
            #expect(outcome != .timedOut, "the silent connection was not closed: \(outcome)")
            #expect(received.isEmpty)
            silent.close()
        }
    }

    @Test("a frame larger than --max-frame-bytes closes the connection with 1009")
    func oversizedFrame() async throws {
        let redis = try await RedisServer()
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.maxFrameBytes = 1024 }
        try await harness.run { port, _ in
            let (client, collector) = try await connect(port: port)
            try await collector.waitForLive()
            let big = WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: ByteBuffer(repeating: 7, count: 8192))
            try await client.send(big)
            try await collector.waitForClose()
            #expect(collector.snapshot.close?.code == 1009)
        }
    }

    @Test("dashboard, health and metrics routes")
    func routes() async throws {
        let redis = try await RedisServer()
        try await GatewayHarness(redis: redis).run { port, client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let html = try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent("Sources/ws-gateway/Dashboard/dashboard.html"))
            #expect(Array(buffer: page.body) == Array(html), "GET / serves dashboard.html as checked in")
            let result9 = try await client.execute(uri: "/healthz", method: .get).status
            #expect(result9 == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            for name in [
                "mandrill_gateway_connections", "mandrill_gateway_messages_delivered_total", "mandrill_gateway_slow_consumer_closes_total",
                "mandrill_gateway_subscription_reconnects_total", "mandrill_gateway_gap_fill_events_total", "mandrill_gateway_fanout_latency_seconds",
                "mandrill_gateway_fanout_phase_seconds",
            ] {
                #expect(metrics.contains(name), "\(name)")
            }
        }
    }
}
