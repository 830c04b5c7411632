import ServiceLifecycle

/// Runs every loop's shared ping timer while the gateway runs.
struct PingService: Service {
    let broadcaster: Broadcaster
    let interval: Duration

    func run() async throws {
        broadcaster.startPinging(every: interval)
        try? await gracefulShutdown()
        broadcaster.stopPinging()
    }
}
