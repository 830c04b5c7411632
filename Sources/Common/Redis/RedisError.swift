/// Why a Redis command did not get a usable reply.
package struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Equatable {
        case connectionFailed
        case connectionLost
        case timeout
        case closed
        case server
        case unexpectedReply
    }

    private let code: Code
    /// Detail from hiredis or Redis; never contains command arguments.
    package let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Redis could not be reached (refused, unresolvable, connect timed out).
    package static func connectionFailed(_ message: String) -> Self { .init(.connectionFailed, message) }
    /// The connection dropped while the command was queued or in flight.
    package static func connectionLost(_ message: String) -> Self { .init(.connectionLost, message) }
    /// No reply within the command timeout.
    package static let timeout = Self(.timeout, "no reply within the command timeout")
    /// The client was shut down.
    package static let closed = Self(.closed, "the Redis client is closed")
    /// Redis answered with an error reply.
    package static func server(_ message: String) -> Self { .init(.server, message) }
    /// The reply did not have the shape the caller expects.
    package static func unexpectedReply(_ message: String) -> Self { .init(.unexpectedReply, message) }

    /// Redis itself rejected the command (as opposed to Redis being unavailable).
    package var isServerError: Bool { code == .server }
    /// Redis was unavailable or too slow: the caller may retry later.
    package var isUnavailable: Bool { [.connectionFailed, .connectionLost, .timeout, .closed].contains(code) }

    package var description: String {
        switch code {
        case .connectionFailed: "Redis connection failed: \(message)"
        case .connectionLost: "Redis connection lost: \(message)"
        case .timeout: "Redis command timed out"
        case .closed: "Redis client closed"
        case .server: "Redis error: \(message)"
        case .unexpectedReply: "unexpected Redis reply: \(message)"
        }
    }
}
