import ServiceLifecycle

/// Keeps the gateway running on SIGTERM until every stream has ended. Hummingbird's server returns as soon as its
/// listener is closed and the quiesce events are queued, and a WebSocket or SSE stream lives in NIO handlers with no
/// task the server would wait for: without this service the process could exit before every client got its 1001
/// (or, for one that does not answer, before the drain timeout dropped it).
///
/// Listed early (Hummingbird adds the server last), so it is shut down after the server: services stop in reverse order.
struct StreamDrainService: Service {
    let admission: WebSocketAdmission
    /// `--drain-timeout`: each stream closes by then; a second more covers the hops of the quiesce events.
    let drainTimeout: Duration

    func run() async throws {
        // Cancelled rather than shut down gracefully: nothing to wait for.
        guard (try? await gracefulShutdown()) != nil else { return }
        let deadline = ContinuousClock.now + drainTimeout + .seconds(1)
        while admission.openConnections > 0, ContinuousClock.now < deadline {
            guard (try? await Task.sleep(for: .milliseconds(20))) != nil else { return }
        }
    }
}
