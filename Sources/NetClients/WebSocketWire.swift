/// RFC 6455 bytes written and read by hand, for the peers NIO's client will not play: a ping flood that never
/// reads, close frames with reserved codes or a truncated payload, handshakes with hostile query strings.
package enum WebSocketWire {
    package enum Opcode: UInt8, Sendable {
        case continuation = 0x0
        case text = 0x1
        case binary = 0x2
        case close = 0x8
        case ping = 0x9
        case pong = 0xA
    }

    /// A frame as the server sent it (servers never mask).
    package struct Frame: Sendable {
        package let opcode: UInt8
        package let payload: [UInt8]
        /// RSV1: the payload is compressed (permessage-deflate, RFC 7692).
        package var rsv1 = false

        /// The status code of a close frame; `nil` when its payload is shorter than two bytes.
        package var closeCode: UInt16? {
            payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
        }

        package var text: String { String(decoding: payload, as: UTF8.self) }
    }

    /// The RFC's own example key: servers must accept any 16 bytes in base64.
    package static let key = "dGhlIHNhbXBsZSBub25jZQ=="

    /// A complete, valid upgrade request for `target` (path and query, sent exactly as given).
    package static func upgradeRequest(target: String, port: Int, headers: [(String, String)] = []) -> [UInt8] {
        var text =
            "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// One final client frame, masked as clients must.
    package static func frame(_ opcode: Opcode, payload: [UInt8], mask: [UInt8] = randomMask()) -> [UInt8] {
        var bytes: [UInt8] = [0x80 | opcode.rawValue]
        switch payload.count {
        case ..<126:
            bytes.append(0x80 | UInt8(payload.count))
        case ..<65536:
            bytes.append(0x80 | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            bytes.append(0x80 | 127)
            bytes += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        bytes += mask
        bytes += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return bytes
    }

    /// A close frame whose payload is exactly `payload` (a code, or something that is not one).
    package static func close(payload: [UInt8]) -> [UInt8] {
        frame(.close, payload: payload)
    }

    package static func close(code: UInt16) -> [UInt8] {
        close(payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
    }

    package static func randomMask() -> [UInt8] {
        (0..<4).map { _ in UInt8.random(in: 0...255) }
    }

    /// Takes one complete server frame off the front of `bytes`; `nil` while it is incomplete.
    static func takeFrame(from bytes: inout [UInt8]) -> Frame? {
        guard bytes.count >= 2 else { return nil }
        var length = Int(bytes[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            offset = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        let masked = bytes[1] & 0x80 != 0
        let mask = masked ? Array(bytes[offset..<min(offset + 4, bytes.count)]) : []
        if masked { offset += 4 }
        guard bytes.count >= offset + length else { return nil }
        var payload = Array(bytes[offset..<offset + length])
        if masked { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        let frame = Frame(opcode: bytes[0] & 0x0F, payload: payload, rsv1: bytes[0] & 0x40 != 0)
        bytes.removeSubrange(..<(offset + length))
        return frame
    }
}

extension RawSocket {
    /// Connects and completes a WebSocket handshake on `target`; throws unless the server answered 101.
    package static func webSocket(
        port: Int,
        target: String = "/ws/email/",
        headers: [(String, String)] = [],
        receiveBufferSize: Int? = nil
    ) async throws -> RawSocket {
        let socket = try RawSocket(port: port, receiveBufferSize: receiveBufferSize)
        guard case .written = await socket.write(WebSocketWire.upgradeRequest(target: target, port: port, headers: headers)) else {
            throw RawSocketError("could not send the upgrade request")
        }
        let head = try await socket.readResponseHead()
        guard head.status == 101 else { throw RawSocketError("upgrade refused: \(head.statusLine)") }
        return socket
    }

    /// The next frame from the server; `nil` when the connection ended or nothing came within `timeout`.
    package func readFrame(timeout: Duration) async -> WebSocketWire.Frame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = WebSocketWire.takeFrame(from: &pending) { return frame }
            guard case .data = await fill(until: deadline) else { return nil }
        }
    }

    /// Skips data frames until the server's close frame; `nil` when the connection ended without one.
    package func readCloseFrame(timeout: Duration) async -> WebSocketWire.Frame? {
        let deadline = ContinuousClock.now + timeout
        while let frame = await readFrame(timeout: deadline - .now) {
            if frame.opcode == WebSocketWire.Opcode.close.rawValue { return frame }
        }
        return nil
    }
}
