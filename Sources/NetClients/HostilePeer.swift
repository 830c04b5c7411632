/// The attacks of the abuse tests and of `ws-bench abuse`, in one place so that both run exactly the same bytes.
/// Every attack is bounded (a byte budget, a stall timeout) and only ever connects to 127.0.0.1.
package enum HostilePeer {
    /// A form body of as many distinct, empty fields as fit in `maxBytes` (`0=&1=&…&Zz9=`, names counting in
    /// base 62): about 5.5 million in 32 MiB. Small on the wire, expensive for a server that materialises, sorts
    /// and signs every field.
    package static func formFieldBomb(maxBytes: Int) -> (body: [UInt8], fields: Int) {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        var body: [UInt8] = []
        body.reserveCapacity(maxBytes)
        // The name as base-62 digits, least significant first: an odometer, no allocation per field.
        var digits: [Int] = [0]
        var fields = 0
        while body.count + digits.count + 2 <= maxBytes {
            if fields > 0 { body.append(UInt8(ascii: "&")) }
            for digit in digits.reversed() { body.append(alphabet[digit]) }
            body.append(UInt8(ascii: "="))
            fields += 1
            var position = 0
            while true {
                if position == digits.count {
                    digits.append(1)
                    break
                }
                digits[position] += 1
                if digits[position] < alphabet.count { break }
                digits[position] = 0
                position += 1
            }
        }
        return (body, fields)
    }

    /// `mandrill_events=xxx…`, exactly `bytes` long: one field that is too big to be anything but an attack.
    package static func oversizedBatch(bytes: Int) -> [UInt8] {
        let prefix = Array("mandrill_events=".utf8)
        return prefix + [UInt8](repeating: UInt8(ascii: "x"), count: max(0, bytes - prefix.count))
    }

    /// Headers of a webhook POST whose signature cannot match any key.
    package static func unsignedHeaders(port: Int, path: String, contentLength: Int) -> [UInt8] {
        let text =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "X-Mandrill-Signature: bm90LWEtc2lnbmF0dXJlLWF0LWFsbA==\r\nContent-Length: \(contentLength)\r\n\r\n"
        return Array(text.utf8)
    }

    /// POSTs `body` with a bogus signature and returns the response head. Stops sending early when the server
    /// answers before the body is complete (a 413, or a 503 while it waits for a body slot), as a real client
    /// would.
    package static func unsignedPost(port: Int, path: String, body: [UInt8], chunkBytes: Int = 1 << 20) async throws -> RawSocket.ResponseHead {
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        guard case .written = await socket.write(unsignedHeaders(port: port, path: path, contentLength: body.count)) else {
            throw RawSocketError("the server closed the connection before the request head was sent")
        }
        var offset = 0
        while offset < body.count, !socket.hasResponseHead() {
            let end = min(offset + chunkBytes, body.count)
            guard case .written = await socket.write(body[offset..<end]) else { break }
            offset = end
        }
        return try await socket.readResponseHead(timeout: .seconds(120))
    }

    package enum FloodEnding: Sendable, Equatable, CustomStringConvertible {
        /// Every byte of the budget was written.
        case sentAll
        /// The server took nothing for the stall timeout (it stopped reading: back-pressure).
        case stalled
        /// Writing failed: the server closed or reset the connection.
        case closedByServer(errno: Int32)

        package var description: String {
            switch self {
            case .sentAll: "sent everything"
            case .stalled: "server stopped reading"
            case .closedByServer(let code): "server closed the connection (errno \(code))"
            }
        }
    }

    /// Opens a stream with a tiny receive buffer and writes masked 125-byte pings as fast as the server takes
    /// them, never reading a pong. A server that answers every ping into an unbounded queue grows by the size of
    /// the flood. Returns the socket (still unread) so that the caller can see what the server did with it.
    package static func pingFlood(
        port: Int,
        bytes: Int,
        stallTimeout: Duration = .seconds(10)
    ) async throws -> (socket: RawSocket, sent: Int, ending: FloodEnding) {
        let socket = try await RawSocket.webSocket(port: port, receiveBufferSize: 4096)
        let ping = WebSocketWire.frame(.ping, payload: [UInt8](repeating: UInt8(ascii: "p"), count: 125))
        let chunk = Array([[UInt8]](repeating: ping, count: (1 << 20) / ping.count).joined())
        var sent = 0
        while sent < bytes {
            switch await socket.write(chunk, stallTimeout: stallTimeout) {
            case .written:
                sent += chunk.count
            case .stalled(let written):
                return (socket, sent + written, .stalled)
            case .closed(let written, let code):
                return (socket, sent + written, .closedByServer(errno: code))
            }
        }
        return (socket, sent, .sentAll)
    }
}
