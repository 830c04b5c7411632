import Common
import NIOCore
import Simulation
import TestSupport
import Testing

@testable import ws_gateway

@Suite("permessage-deflate negotiation and encoding, without sockets")
struct DeflateNegotiationTests {
    static let answer = "permessage-deflate; server_no_context_takeover"

    @Test("acceptable offers get server_no_context_takeover, client_no_context_takeover only when offered")
    func accepted() {
        #expect(DeflateNegotiation.response(to: ["permessage-deflate"]) == Self.answer)
        #expect(DeflateNegotiation.response(to: ["permessage-deflate; client_max_window_bits"]) == Self.answer)
        #expect(DeflateNegotiation.response(to: ["Permessage-Deflate ;client_max_window_bits=\"10\"; server_max_window_bits=15"]) == Self.answer)
        #expect(
            DeflateNegotiation.response(to: ["permessage-deflate; client_no_context_takeover; server_no_context_takeover"])
                == Self.answer + "; client_no_context_takeover"
        )
    }

    @Test("offers the gateway cannot honour are declined, and the next acceptable one is taken")
    func declined() {
        for offer in [
            "x-webkit-deflate-frame", "permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits=16", "permessage-deflate; client_max_window_bits=", "permessage-deflate; foo",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover", "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate;", "",
        ] {
            #expect(DeflateNegotiation.response(to: [offer]) == nil, "\(offer)")
        }
        #expect(DeflateNegotiation.response(to: ["permessage-deflate; server_max_window_bits=10, permessage-deflate"]) == Self.answer)
        #expect(
            DeflateNegotiation.response(to: ["foo", "permessage-deflate; client_no_context_takeover"]) == Self.answer + "; client_no_context_takeover"
        )
    }

    @Test("bytes per event on the wire, compressed and plain: the bench envelope and the realistic mix")
    func wireBytes() throws {
        var factory = EventFactory(seed: 42)
        var plain = 0
        var compressed = 0
        let events = factory.batch(size: 500)
        for (index, event) in events.enumerated() {
            let raw = Array(event.encoded.utf8)
            let parsed = MandrillEvent(raw: RawJSON(validated: raw))
            let envelope = Envelope.make(id: "1764626400000-\(index)", type: parsed.type, email: parsed.email, event: raw)
            let publication = try #require(Publication(envelope: envelope, compress: true))
            let deflated = try #require(publication.compressedFrame)
            plain += publication.frame.readableBytes
            compressed += deflated.readableBytes
            #expect(try RawInflate.message(Array(deflated.readableBytesView.dropFirst(Self.headerBytes(deflated)))) == envelope)
        }
        let padding = String(repeating: "x", count: 1024 - 160)
        let benchEvent = Array(
            #"{"bench_ts":1764626400000000000,"event":"send","_id":"bench-1","msg":{"email":"bench@example.com","subject":"\#(padding)"}}"#.utf8
        )
        let bench = try #require(
            Publication(envelope: Envelope.make(id: "1764626400000-0", type: "send", email: "bench@example.com", event: benchEvent), compress: true)
        )
        let benchCompressed = try #require(bench.compressedFrame).readableBytes
        let mixPlain = Double(plain) / Double(events.count)
        let mixCompressed = Double(compressed) / Double(events.count)
        // Printed on purpose: these are the figures the README quotes.
        print(
            "wire bytes per event: bench envelope \(bench.frame.readableBytes) plain, \(benchCompressed) compressed; "
                + "EventFactory mix (500 events) \(Int(mixPlain)) plain, \(Int(mixCompressed)) compressed (\(Int(100 * mixCompressed / mixPlain))%)"
        )
        #expect(benchCompressed < bench.frame.readableBytes && compressed < plain)
    }

    /// The length of a server frame's header (no mask).
    static func headerBytes(_ frame: ByteBuffer) -> Int {
        switch frame.getInteger(at: frame.readerIndex + 1, as: UInt8.self)! & 0x7F {
        case 126: 4
        case 127: 10
        default: 2
        }
    }
}
