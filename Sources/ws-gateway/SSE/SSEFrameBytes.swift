import NIOCore

/// Server-Sent Events (WHATWG HTML §9.2) encoded into bytes once, like ``WebSocketFrameBytes``.
///
/// The envelope's event is kept as Mandrill sent it, so its JSON may contain raw line breaks between tokens; an
/// SSE `data:` line must not, so every line becomes its own `data:` field. The client joins them with `\n`, which
/// is still the same JSON (a line break between tokens is whitespace; inside strings JSON never has raw ones).
enum SSEFrameBytes {
    /// An event with its stream id: `EventSource` keeps it and sends it back as `Last-Event-ID` on reconnect.
    /// No `event:` line, so `EventSource.onmessage` receives it.
    static func event(id: some CustomStringConvertible, data: some Collection<UInt8>) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(data.count + 48)
        buffer.writeString("id: \(id)\n")
        writeData(data, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }

    /// A control message (`live`, `history_trimmed`, …): named, so that pages listen for it with
    /// `addEventListener("control", …)` and `onmessage` sees only events. No id: it is not a position.
    static func control(_ json: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("event: control\n")
        writeData(json.utf8, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }

    /// A comment: ignored by clients, but it keeps proxies and load balancers from timing out an idle stream.
    static let ping = ByteBuffer(string: ": ping\n\n")

    /// The answer to an accepted `GET /sse/email/`, written as raw bytes because the HTTP encoder is bypassed.
    ///
    /// The body is close-delimited (HTTP/1.1 §6.3: no `Content-Length`, no chunking, `Connection: close`): the
    /// stream never ends on its own, every event is already self-delimiting, `EventSource` and proxies accept it,
    /// and it avoids a chunk header per write. `X-Accel-Buffering: no` tells nginx not to buffer it.
    static let responseHead = ByteBuffer(
        string: "HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/event-stream; charset=utf-8\r\n"
            + "Cache-Control: no-cache\r\n"
            + "X-Accel-Buffering: no\r\n"
            + "Connection: close\r\n"
            + "\r\n"
    )

    private static func writeData(_ data: some Collection<UInt8>, to buffer: inout ByteBuffer) {
        let lf = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        buffer.writeStaticString("data: ")
        // The common case (compact JSON) is one copy; only an envelope with line breaks is split.
        guard data.contains(where: { $0 == lf || $0 == cr }) else {
            buffer.writeBytes(data)
            buffer.writeInteger(lf)
            return
        }
        let bytes = Array(data)
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == lf || byte == cr else {
                index += 1
                continue
            }
            buffer.writeBytes(bytes[start..<index])
            buffer.writeStaticString("\ndata: ")
            // CRLF is one line break; a lone CR or LF is one too.
            index += byte == cr && index + 1 < bytes.count && bytes[index + 1] == lf ? 2 : 1
            start = index
        }
        buffer.writeBytes(bytes[start...])
        buffer.writeInteger(lf)
    }
}
