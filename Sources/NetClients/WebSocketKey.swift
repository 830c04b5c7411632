import Crypto

/// The `Sec-WebSocket-Key` a client sends, and the `Sec-WebSocket-Accept` a server answers to it (RFC 6455 §4.2.2).
/// Base64 is written out here so that the clients need no Foundation.
package enum WebSocketKey {
    /// A fresh key: 16 random bytes in base64.
    static func random() -> String {
        base64((0..<16).map { _ in UInt8.random(in: 0...255) })
    }

    /// base64(SHA-1(key + the RFC's GUID)): what a server must answer for `key`.
    package static func accept(for key: String) -> String {
        base64(Array(Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))))
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for byte in chunk { value = value << 8 | Int(byte) }
            value <<= (3 - chunk.count) * 8
            for position in 0..<4 {
                let sextet: Int = (value >> (18 - 6 * position)) & 0x3F
                output.append(position <= chunk.count ? alphabet[sextet] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
