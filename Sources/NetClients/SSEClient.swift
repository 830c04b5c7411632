#if canImport(Glibc)
import Glibc
#endif

/// A Server-Sent Events reader over a ``RawSocket``: sends one `GET`, reads the response head, then parses the
/// `text/event-stream` body the way `EventSource` does (fields `id`, `event`, `data`; comment lines skipped), so
/// that tests see exactly the bytes the gateway wrote, including how the stream ended.
package final class SSEClient {
    package struct Event: Sendable, Equatable {
        package let id: String?
        /// `nil` for a plain message (what `onmessage` receives).
        package let event: String?
        package let data: String
    }

    package let head: RawSocket.ResponseHead
    private let socket: RawSocket
    /// Comment lines (`: ping`) seen so far.
    package private(set) var comments = 0
    /// The body as sent after de-chunking (a proxy such as nginx may re-frame the gateway's close-delimited body as
    /// chunks); the socket's pending bytes are the raw input.
    private var body: [UInt8] = []
    /// How much of ``body`` holds no event end (no blank line).
    private var searched = 0
    /// The last chunk came: the response ended, even though a proxy may keep the connection open for another request.
    private var bodyEnded = false
    private var isChunked: Bool { head.header("Transfer-Encoding")?.lowercased() == "chunked" }

    private init(socket: RawSocket, head: RawSocket.ResponseHead) {
        self.socket = socket
        self.head = head
    }

    /// Opens `path` on 127.0.0.1:`port`. A small `receiveBufferSize` makes a reader that stops reading look slow
    /// to the server sooner.
    package static func open(
        port: Int,
        path: String,
        headers: [(String, String)] = [],
        host: String? = nil,
        receiveBufferSize: Int? = nil
    ) async throws -> SSEClient {
        let socket = try RawSocket(port: port, receiveBufferSize: receiveBufferSize)
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        guard await socket.write(Array(request.utf8)) == .written else { throw RawSocketError("could not send the request") }
        return SSEClient(socket: socket, head: try await socket.readResponseHead())
    }

    /// The next event, or `nil` when the server ended the stream (closed the connection, or sent the last chunk).
    /// Throws when nothing complete came in `timeout`.
    package func next(timeout: Duration = .seconds(30)) async throws -> Event? {
        let deadline = ContinuousClock.now + timeout
        while true {
            moveBody()
            if let event = takeEvent() { return event }
            if bodyEnded { return nil }
            switch await socket.fill(until: deadline) {
            case .data: continue
            case .endOfStream, .reset: return nil
            case .timedOut: throw RawSocketError("no complete event within \(timeout)")
            }
        }
    }

    /// Reads whatever remains until the server ends the connection, and returns how it ended.
    package func readUntilClosed(timeout: Duration = .seconds(60)) async -> RawSocket.ReadOutcome {
        await socket.readUntilClosed(timeout: timeout).outcome
    }

    /// The body of a refused request (after ``head``), read to the end.
    package func body(timeout: Duration = .seconds(30)) async -> String {
        String(decoding: await socket.readUntilClosed(timeout: timeout).received, as: UTF8.self)
    }

    package func close() {
        socket.close()
    }

    /// Moves what arrived into ``body``, removing chunk framing when there is some.
    private func moveBody() {
        guard isChunked else {
            body += socket.pending
            socket.pending = []
            return
        }
        let crlf: [UInt8] = [13, 10]
        while let lineEnd = socket.pending.firstRange(of: crlf) {
            let sizeText = String(decoding: socket.pending[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingPrefix(" "), radix: 16) else { return }
            if size == 0 {
                bodyEnded = true
                return
            }
            let start = lineEnd.upperBound
            guard socket.pending.count >= start + size + 2 else { return }
            body += socket.pending[start..<(start + size)]
            socket.pending.removeSubrange(..<(start + size + 2))
        }
    }

    /// Cuts one event (up to a blank line) out of the body; comments alone make no event. Works on bytes: a large
    /// event (inbound mail) arrives in many reads, and a test may read hundreds of megabytes.
    private func takeEvent() -> Event? {
        let lf = UInt8(ascii: "\n")
        while let end = blankLine(from: max(0, searched - 1)) {
            var id: String?
            var name: String?
            var data: [ArraySlice<UInt8>] = []
            for line in body[..<end].split(separator: lf, omittingEmptySubsequences: false) {
                if line.first == UInt8(ascii: ":") {
                    comments += 1
                    continue
                }
                let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
                var value = line[colon...].dropFirst()
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                switch String(decoding: line[..<colon], as: UTF8.self) {
                case "id": id = String(decoding: value, as: UTF8.self)
                case "event": name = String(decoding: value, as: UTF8.self)
                case "data": data.append(value)
                default: break
                }
            }
            let event = data.isEmpty ? nil : Event(id: id, event: name, data: String(decoding: Array(data.joined(separator: [lf])), as: UTF8.self))
            body.removeSubrange(...(end + 1))
            searched = 0
            if let event { return event }
        }
        searched = body.count
        return nil
    }

    /// Where the first blank line (`\n\n`) at or after `start` begins.
    private func blankLine(from start: Int) -> Int? {
        body.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return nil }
            var index = start
            while index < bytes.count - 1 {
                guard let found = memchr(base + index, Int32(UInt8(ascii: "\n")), bytes.count - 1 - index) else { return nil }
                let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if bytes[position + 1] == UInt8(ascii: "\n") { return position }
                index = position + 1
            }
            return nil
        }
    }
}
