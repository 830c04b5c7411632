import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Resolves a Redis host name off the loop thread.
///
/// hiredis 0.14 calls the blocking `getaddrinfo` inside `redisAsyncConnect`; on the loop thread a slow DNS server
/// would stall every timer and every other connection of that loop. Host names are therefore resolved on a
/// background queue first, and hiredis only ever sees numeric addresses. Resolution runs again for every connect,
/// so a name that moves (a failover behind DNS) is followed.
package enum RedisHostResolver {
    /// Whether `host` is already a numeric IPv4 or IPv6 address.
    package static func isNumeric(_ host: String) -> Bool {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        return inet_pton(AF_INET, host, &ipv4) == 1 || inet_pton(AF_INET6, host, &ipv6) == 1
    }

    /// Resolves `host` on a background queue; `completion` gets a numeric address or the resolver's error text.
    package static func resolve(_ host: String, completion: @escaping @Sendable (Result<String, RedisError>) -> Void) {
        DispatchQueue.global(qos: .userInitiated).async {
            completion(resolveNow(host))
        }
    }

    /// Blocking resolution; call off the loop thread only.
    static func resolveNow(_ host: String) -> Result<String, RedisError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else {
            return .failure(.connectionFailed("cannot resolve \(host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            if let address = current.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    var ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    if inet_ntop(AF_INET, &ipv4, &buffer, socklen_t(buffer.count)) != nil { return .success(Self.text(buffer)) }
                case AF_INET6:
                    var ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    if inet_ntop(AF_INET6, &ipv6, &buffer, socklen_t(buffer.count)) != nil { return .success(Self.text(buffer)) }
                default:
                    break
                }
            }
            entry = current.pointee.ai_next
        }
        return .failure(.connectionFailed("cannot resolve \(host): no IPv4 or IPv6 address"))
    }

    /// The text of a NUL-terminated C buffer.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
