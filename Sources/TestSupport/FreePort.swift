#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that nothing uses right now, chosen below the kernel's ephemeral range (32768 and up
/// by default) so that the outgoing connections of parallel tests cannot take it before the server binds it.
/// Servers started on it still retry with another port if binding fails.
package func freePort() -> Int {
    for _ in 0..<200 {
        let candidate = Int.random(in: 20000..<32000)
        if canBind(port: candidate) { return candidate }
    }
    return kernelChosenPort()
}

private func canBind(port: Int) -> Bool {
    withLoopbackSocket(port: port) { descriptor, address, length in bind(descriptor, address, length) == 0 } ?? false
}

/// Runs `body` with a new TCP socket and the address 127.0.0.1:`port`; `nil` when no socket could be made.
private func withLoopbackSocket<Result>(port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

private func kernelChosenPort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(descriptor >= 0, "socket() failed")
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    precondition(bound == 0, "bind() failed")
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
package func isListening(port: Int) -> Bool {
    withLoopbackSocket(port: port) { descriptor, address, length in connect(descriptor, address, length) == 0 } ?? false
}

/// Whether a Redis on 127.0.0.1:`port` answers `PING` (with `+PONG`, or `-NOAUTH` when it has a password): listening is not enough, because a Redis that
/// is still loading its data answers every command with `-LOADING`.
package func redisAnswersPing(port: Int) -> Bool {
    withLoopbackSocket(port: port) { descriptor, address, length in
        guard connect(descriptor, address, length) == 0 else { return false }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("PING\r\n".utf8)
        guard write(descriptor, request, request.count) == request.count else { return false }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = read(descriptor, &reply, reply.count)
        guard count > 0 else { return false }
        let text = String(decoding: reply.prefix(count), as: UTF8.self)
        // A server with a password answers NOAUTH: it has loaded its data too.
        return text.hasPrefix("+PONG") || text.hasPrefix("-NOAUTH")
    } ?? false
}
