import Common
import NetClients
import Simulation
import TestSupport
import Testing

@testable import ws_gateway

@Suite("ws-gateway: permessage-deflate (--compression)")
struct CompressionTests {
    static let offer = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")

    @Test("a client that offers permessage-deflate gets compressed events that inflate to the envelopes; one that does not gets plain frames")
    func compressedAndPlain() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 7)
        let events = factory.batch(size: 25)
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.compression = true }
        try await harness.run { port, _ in
            let (compressed, head) = try await Self.open(port: port, headers: [Self.offer])
            #expect(head.header("Sec-WebSocket-Extensions") == "permessage-deflate; server_no_context_takeover")
            let (plain, plainHead) = try await Self.open(port: port, headers: [])
            #expect(plainHead.header("Sec-WebSocket-Extensions") == nil)
            // Control messages stay plain (RSV1 is per message).
            let live = try #require(await compressed.readFrame(timeout: .seconds(10)))
            #expect(!live.rsv1 && live.text.contains(#""control":"live""#))
            #expect(await plain.readFrame(timeout: .seconds(10))?.text.contains(#""control":"live""#) == true)

            _ = try await publisher.publish(events)
            let envelopes = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "-", "+")).map(\.envelope)
            #expect(envelopes.count == events.count)
            var wireCompressed = 0
            var wirePlain = 0
            for envelope in envelopes {
                let frame = try #require(await compressed.readFrame(timeout: .seconds(10)))
                #expect(frame.opcode == 0x1 && frame.rsv1)
                #expect(try RawInflate.message(frame.payload) == envelope)
                wireCompressed += frame.payload.count
                let plainFrame = try #require(await plain.readFrame(timeout: .seconds(10)))
                #expect(plainFrame.opcode == 0x1 && !plainFrame.rsv1)
                #expect(plainFrame.payload == envelope)
                wirePlain += plainFrame.payload.count
            }
            #expect(wireCompressed < wirePlain)

            // Pings of a client that negotiated compression are answered as before.
            _ = await compressed.write(WebSocketWire.frame(.ping, payload: Array("hi".utf8)))
            let pong = try #require(await compressed.readFrame(timeout: .seconds(10)))
            #expect(pong.opcode == WebSocketWire.Opcode.pong.rawValue && pong.text == "hi" && !pong.rsv1)

            // A compressed data frame is a data frame: 1003, never inflated.
            var rsv1Text = WebSocketWire.frame(.text, payload: [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
            rsv1Text[0] |= 0x40
            _ = await compressed.write(rsv1Text)
            #expect(await compressed.readCloseFrame(timeout: .seconds(10))?.closeCode == 1003)
            compressed.close()
            plain.close()
        }
    }

    @Test("history replayed to a compressing client is compressed too")
    func replayCompressed() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 8)
        _ = try await publisher.publish(factory.batch(size: 10))
        let envelopes = StreamEntry.entries(in: try await publisher.redis.send("XRANGE", "mandrill:events", "-", "+")).map(\.envelope)
        var harness = GatewayHarness(redis: redis)
        harness.configure = { $0.compression = true }
        try await harness.run { port, _ in
            let (socket, _) = try await Self.open(port: port, target: "/ws/email/?backlog=10", headers: [Self.offer])
            for envelope in envelopes {
                let frame = try #require(await socket.readFrame(timeout: .seconds(10)))
                #expect(frame.rsv1)
                #expect(try RawInflate.message(frame.payload) == envelope)
            }
            #expect(await socket.readFrame(timeout: .seconds(10))?.text.contains(#""control":"live""#) == true)
            socket.close()
        }
    }

    @Test("with --compression off, an offer is ignored and frames are plain")
    func optionOff() async throws {
        let redis = try await RedisServer()
        let publisher = redis.publisher()
        var factory = EventFactory(seed: 9)
        let events = factory.batch(size: 3)
        try await GatewayHarness(redis: redis).run { port, _ in
            let (socket, head) = try await Self.open(port: port, headers: [Self.offer])
            #expect(head.header("Sec-WebSocket-Extensions") == nil)
            #expect(await socket.readFrame(timeout: .seconds(10))?.text.contains(#""control":"live""#) == true)
            _ = try await publisher.publish(events)
            for _ in 0..<3 {
                let frame = try #require(await socket.readFrame(timeout: .seconds(10)))
                #expect(!frame.rsv1 && frame.payload.first == UInt8(ascii: "{"))
            }
            socket.close()
        }
    }

    /// Upgrades with `headers` and returns the socket with the 101's head.
    static func open(port: Int, target: String = "/ws/email/", headers: [(String, String)]) async throws -> (RawSocket, RawSocket.ResponseHead) {
        let socket = try RawSocket(port: port)
        _ = await socket.write(WebSocketWire.upgradeRequest(target: target, port: port, headers: headers))
        let head = try await socket.readResponseHead()
        try #require(head.status == 101, "\(head.statusLine)")
        return (socket, head)
    }
}
