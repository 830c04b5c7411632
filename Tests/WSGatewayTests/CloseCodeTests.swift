import Common
import NIOCore
import NIOWebSocket
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
        let reply = WebSocketErrorCode.reply(toClientClose: payload(code, reason: Array("bye".utf8)))
        #expect(reply.wireValue == code)
        #expect(reply == WebSocketErrorCode(codeNumber: Int(code)), "NIO's named case, not .unknown, for the codes it names")
    }

    @Test(
        "codes reserved for reporting or unassigned are answered with 1002",
        arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] as [UInt16]
    )
    func refused(code: UInt16) {
        #expect(WebSocketErrorCode.reply(toClientClose: payload(code)) == .protocolError)
    }

    @Test("no payload gets 1000, a one-byte payload 1002, a reason that is not UTF-8 1007")
    func payloadShapes() {
        #expect(WebSocketErrorCode.reply(toClientClose: payload(nil)) == .normalClosure)
        #expect(WebSocketErrorCode.reply(toClientClose: ByteBuffer(bytes: [0x03])) == .protocolError)
        #expect(WebSocketErrorCode.reply(toClientClose: payload(1000, reason: [0xC3, 0x28])) == .dataInconsistentWithMessage)
    }

    @Test("the gateway's own codes are in the application range and go on the wire as such")
    func applicationCodes() {
        #expect(WebSocketErrorCode.tokenExpired.wireValue == 4001)
        #expect(WebSocketErrorCode.slowConsumer.wireValue == 4008)
        #expect(WebSocketErrorCode.replayScanLimit.wireValue == 4009)
        let frame = WebSocketFrameBytes.close(code: .slowConsumer, reason: "slow")
        #expect(Array(frame.readableBytesView) == [0x88, 6, 0x0F, 0xA8] + Array("slow".utf8))
    }

    @Test("every reason the gateway closes for sends a code that may go on the wire")
    func reasonsMayBeSent() {
        let reasons: [StreamCloseReason] = [
            .shuttingDown, .unsupportedData, .historyUnavailable, .tokenExpired, .slowConsumer,
            .replayScanLimit(resumeSince: StreamID(milliseconds: 7, sequence: 1)),
        ]
        #expect(reasons.map(\.code.wireValue) == [1001, 1003, 1011, 4001, 4008, 4009])
        for reason in reasons {
            #expect(WebSocketErrorCode.mayBeSent(reason.code.wireValue), "\(reason)")
            #expect(reason.reason.utf8.count <= 123, "\(reason): the reason must fit a control frame")
        }
    }
}
