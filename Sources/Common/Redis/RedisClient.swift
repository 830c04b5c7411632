package import Logging

/// A Redis connection for commands with replies, run as a service: it connects when the service starts,
/// reconnects on its own, and closes on graceful shutdown (after the services that depend on it stopped).
package final class RedisClient: RedisConnectionService, Sendable {
    package let connection: RedisConnection
    package let ownsLoop: Bool

    /// - Parameter loop: share a loop thread with other connections; by default the client owns one.
    package init(configuration: RedisConfiguration, logger: Logger, loop: RedisEventLoop? = nil, name: String = "redis") {
        self.ownsLoop = loop == nil
        self.connection = RedisConnection(
            configuration: configuration,
            loop: loop ?? RedisEventLoop(name: name),
            logger: logger
        )
    }

    /// An owner that forgot to shut down must not leave a loop thread and a reconnecting connection behind.
    deinit {
        closeEventually()
    }

    package func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        try await connection.send(command)
    }

    package func send(_ arguments: String...) async throws(RedisError) -> RedisValue {
        try await connection.send(RedisCommand(arguments: arguments))
    }
}
