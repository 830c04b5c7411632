package import ServiceLifecycle

/// What ``RedisClient`` and ``RedisSubscriber`` share: a connection (and maybe its loop thread) started with
/// the service and closed on graceful shutdown, after the services that depend on it have stopped.
package protocol RedisConnectionService: Service {
    var connection: RedisConnection { get }
    /// Whether the service created the loop thread, and so stops it.
    var ownsLoop: Bool { get }
}

extension RedisConnectionService {
    package func run() async throws {
        start()
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Starts the loop thread (when owned) and the connection. ``run()`` does this for services.
    package func start() {
        if ownsLoop { connection.loop.start() }
        connection.start()
    }

    /// Closes the connection and stops an owned loop thread.
    package func shutdown() async {
        await connection.close()
        if ownsLoop { await connection.loop.stop() }
    }

    package var isConnected: Bool { connection.isConnected }

    /// For owners that are deinitialized without shutting down: nothing may keep reconnecting behind them.
    func closeEventually() {
        connection.closeEventually()
        if ownsLoop { connection.loop.stopEventually() }
    }
}
