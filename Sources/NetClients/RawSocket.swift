#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a loopback port, driven byte by byte: for the abuse tests and the benchmark, which
/// must behave like hostile peers (half a body and then silence, a flood that never reads, malformed frames) and
/// see exactly what the server did about it: a status line, a close frame, an end of stream or a reset.
///
/// The socket is non-blocking and every wait is an async sleep between attempts, so that a stalled peer never
/// parks one of the few threads of Swift's cooperative pool. Use one socket from one task.
package final class RawSocket {
    package enum ReadOutcome: Sendable, Equatable {
        case data([UInt8])
        /// The peer closed its side (FIN).
        case endOfStream
        /// The peer reset the connection (or any other receive error, with its errno).
        case reset(errno: Int32)
        case timedOut
    }

    package enum WriteOutcome: Sendable, Equatable {
        case written
        /// The peer accepted nothing for `stallTimeout`.
        case stalled(written: Int)
        /// Sending failed: the peer closed or reset the connection.
        case closed(written: Int, errno: Int32)
    }

    package struct ResponseHead: Sendable {
        package let statusLine: String
        package let status: Int
        package let headers: [(String, String)]

        package func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    private let descriptor: Int32
    /// Bytes received but not yet consumed (the rest of a read that ended a response head, say).
    var pending: [UInt8] = []
    private var isClosed = false

    /// Connects to 127.0.0.1:`port`. A `receiveBufferSize` is set before connecting, so that the window the
    /// peer sees is really that small.
    package init(port: Int, receiveBufferSize: Int? = nil) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocketError("socket() failed: errno \(errno)") }
        if var size = receiveBufferSize.map(Int32.init) {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw RawSocketError("connect to 127.0.0.1:\(port) failed: errno \(code)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    /// Writes every byte, waiting while the peer's window is full; gives up after `stallTimeout` without progress.
    package func write(_ bytes: some Collection<UInt8>, stallTimeout: Duration = .seconds(60)) async -> WriteOutcome {
        let bytes = Array(bytes)
        var offset = 0
        var lastProgress = ContinuousClock.now
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
                lastProgress = .now
                continue
            }
            let code = errno
            guard sent < 0, code == EAGAIN || code == EWOULDBLOCK || code == EINTR else { return .closed(written: offset, errno: code) }
            if ContinuousClock.now - lastProgress > stallTimeout { return .stalled(written: offset) }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return .written
    }

    /// The next bytes from the peer (pending ones first), or how the connection ended.
    package func read(timeout: Duration) async -> ReadOutcome {
        if !pending.isEmpty {
            defer { pending = [] }
            return .data(pending)
        }
        return await receive(until: .now + timeout)
    }

    /// Reads until the peer ends the connection; returns how it ended and every byte that came before.
    package func readUntilClosed(timeout: Duration) async -> (outcome: ReadOutcome, received: [UInt8]) {
        let deadline = ContinuousClock.now + timeout
        var received = pending
        pending = []
        while true {
            switch await receive(until: deadline) {
            case .data(let bytes): received += bytes
            case let outcome: return (outcome, received)
            }
        }
    }

    /// Reads an HTTP response's status line and headers; the bytes after them stay pending.
    package func readResponseHead(timeout: Duration = .seconds(30)) async throws -> ResponseHead {
        let deadline = ContinuousClock.now + timeout
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            if let end = pending.firstRange(of: separator) {
                let text = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                pending.removeSubrange(..<end.upperBound)
                var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ")
                let headers = lines.compactMap { line -> (String, String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
                }
                return ResponseHead(statusLine: statusLine, status: parts.count > 1 ? Int(parts[1]) ?? 0 : 0, headers: headers)
            }
            switch await receive(until: deadline) {
            case .data(let bytes): pending += bytes
            case let outcome: throw RawSocketError("no response head (\(outcome)) after \(pending.count) bytes")
            }
        }
    }

    /// Whether a whole response head has already arrived, without waiting.
    package func hasResponseHead() -> Bool {
        if case .data(let bytes) = receiveNow() { pending += bytes }
        return pending.firstRange(of: Array("\r\n\r\n".utf8)) != nil
    }

    /// Ends the connection (FIN, or RST when received bytes are unread).
    package func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(descriptor)
    }

    /// Appends at least one byte to ``pending`` or reports how the connection ended.
    func fill(until deadline: ContinuousClock.Instant) async -> ReadOutcome {
        let outcome = await receive(until: deadline)
        if case .data(let bytes) = outcome { pending += bytes }
        return outcome
    }

    private func receive(until deadline: ContinuousClock.Instant) async -> ReadOutcome {
        while true {
            let outcome = receiveNow()
            guard outcome == .timedOut else { return outcome }
            if ContinuousClock.now >= deadline { return .timedOut }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// One non-blocking receive; `.timedOut` means nothing is there yet.
    private func receiveNow() -> ReadOutcome {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 { return .data(Array(chunk[0..<count])) }
        if count == 0 { return .endOfStream }
        let code = errno
        return code == EAGAIN || code == EWOULDBLOCK || code == EINTR ? .timedOut : .reset(errno: code)
    }
}

package struct RawSocketError: Error, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
