import NIOCore
import Testing

@testable import ws_gateway

@Suite("Answering a client's close frame (RFC 6455 §7.4)")
struct CloseCodeTests {
    private func payload(_ code: UInt16?, reason: [UInt8] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let code { buffer.writeInteger(code) }
        buffer.writeBytes(reason)
        return buffer
    }

    @Test("codes that may be sent are echoed", arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1011, 1012, 3000, 4000, 4999] as [UInt16])
    func echoed(code: UInt16) {
        #expect(CloseCode.reply(toClientClose: payload(code, reason: Array("bye".utf8))) == code)
    }

    @Test(
        "codes reserved for reporting or unassigned are answered with 1002",
        arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] as [UInt16]
    )
    func refused(code: UInt16) {
        #expect(CloseCode.reply(toClientClose: payload(code)) == CloseCode.protocolError)
    }

    @Test("no payload gets 1000, a one-byte payload 1002, a reason that is not UTF-8 1007")
    func payloadShapes() {
        #expect(CloseCode.reply(toClientClose: payload(nil)) == CloseCode.normal)
        #expect(CloseCode.reply(toClientClose: ByteBuffer(bytes: [0x03])) == CloseCode.protocolError)
        #expect(CloseCode.reply(toClientClose: payload(1000, reason: [0xC3, 0x28])) == CloseCode.invalidPayload)
    }
}
