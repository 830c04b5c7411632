import Crypto
import Foundation

/// `Sec-WebSocket-Accept` for a key (RFC 6455 §4.2.2).
func webSocketAccept(_ key: String) -> String {
    Data(Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
}
