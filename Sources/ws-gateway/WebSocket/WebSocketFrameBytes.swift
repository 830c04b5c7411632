import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames encoded once into bytes (RFC 6455 §5.2: FIN, opcode, unmasked length),
/// so that one envelope becomes one buffer written to every matching client without copies.
enum WebSocketFrameBytes {
    static func text(_ payload: some Collection<UInt8>) -> ByteBuffer {
        frame(opcode: 0x1, payload: payload)
    }

    /// A text message compressed with permessage-deflate: RSV1 marks the compressed payload (RFC 7692 §6).
    static func compressedText(_ deflated: [UInt8]) -> ByteBuffer {
        frame(opcode: 0x1, payload: deflated, rsv1: true)
    }

    static func ping() -> ByteBuffer {
        frame(opcode: 0x9, payload: [])
    }

    static func pong(_ payload: some Collection<UInt8>) -> ByteBuffer {
        frame(opcode: 0xA, payload: payload)
    }

    /// A close frame; the reason is cut to fit the 125-byte control-frame limit. `code` must be one that may go on
    /// the wire (never 1005, 1006 or 1015: RFC 6455 §7.4.1).
    static func close(code: WebSocketErrorCode, reason: String) -> ByteBuffer {
        let code = code.wireValue
        assert(WebSocketErrorCode.mayBeSent(code), "close code \(code) may not be sent")
        var payload: [UInt8] = [UInt8(code >> 8), UInt8(code & 0xFF)]
        payload.append(contentsOf: Array(reason.utf8.prefix(123)))
        return frame(opcode: 0x8, payload: payload)
    }

    private static func frame(opcode: UInt8, payload: some Collection<UInt8>, rsv1: Bool = false) -> ByteBuffer {
        let count = payload.count
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count + 10)
        buffer.writeInteger(0x80 | (rsv1 ? 0x40 : 0) | opcode)
        if count < 126 {
            buffer.writeInteger(UInt8(count))
        } else if count <= 0xFFFF {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(count))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(count))
        }
        buffer.writeBytes(payload)
        return buffer
    }
}
