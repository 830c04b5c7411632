import Common
import NIOCore
import Prometheus

/// ws-gateway's Prometheus metrics, registered on the registry `/metrics` renders (no global state).
struct GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let connections: Gauge
    let sseConnections: Gauge
    let received: Counter
    let delivered: Counter
    let replayed: Counter
    let slowConsumerCloses: Counter
    let deadPeerCloses: Counter
    let replayScanLimits: Counter
    let subscriptionReconnects: Counter
    let gapFillEvents: Counter
    let streamRollbacks: Counter
    let invalidMessages: Counter
    let subscriptionHealthy: Gauge
    let fanoutLatency: DurationHistogram
    let fanoutPhases: FanOutPhases

    /// The timeline of a fan-out pass, per event loop (a pass serves every publication waiting for that loop's
    /// clients), each phase measured from the start of the pass: `hop` is the time before it, from the Redis thread
    /// handing publications over to the loop starting the pass (the thread hand-off, the loop's other work, and
    /// under load the `--batch-window` wait); `first_write` until the first client's frames were handed to its
    /// socket; `last_write` until every client's were. With `gateway_fanout_latency` (from Redis storing the event)
    /// they show where a publication's time goes.
    struct FanOutPhases: Sendable {
        private let hop: DurationHistogram
        private let firstWrite: DurationHistogram
        private let lastWrite: DurationHistogram

        init(registry: PrometheusCollectorRegistry) {
            func phase(_ name: String) -> DurationHistogram {
                registry.secondsHistogram(
                    "gateway_fanout_phase",
                    help:
                        "Fan-out pass timeline: hop (Redis thread to event loop), then from the pass start to the first and to the last client's write.",
                    buckets: [
                        .microseconds(20), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
                    ],
                    labels: [("phase", name)]
                )
            }
            hop = phase("hop")
            firstWrite = phase("first_write")
            lastWrite = phase("last_write")
        }

        /// Records one pass; `scheduled` is `nil` for a pass that continues an earlier one, `firstWrite` for a pass
        /// that wrote nothing.
        func record(scheduled: NIODeadline?, started: NIODeadline, firstWrite: NIODeadline?, finished: NIODeadline) {
            if let scheduled { hop.record(.nanoseconds((started - scheduled).nanoseconds)) }
            guard let firstWrite else { return }
            self.firstWrite.record(.nanoseconds((firstWrite - started).nanoseconds))
            lastWrite.record(.nanoseconds((finished - started).nanoseconds))
        }
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        connections = registry.gauge("gateway_connections", help: "Open stream connections (WebSocket and SSE; what --max-connections counts).")
        sseConnections = registry.gauge("gateway_sse_connections", help: "Open Server-Sent Events streams (part of gateway_connections).")
        received = registry.counter("gateway_messages_received", help: "Events received from the Redis subscription or gap fill.")
        delivered = registry.counter("gateway_messages_delivered", help: "Event frames written to WebSocket clients (live).")
        replayed = registry.counter("gateway_messages_replayed", help: "Event frames sent from history for since= and backlog=.")
        slowConsumerCloses = registry.counter(
            "gateway_slow_consumer_closes",
            help: "Clients closed with 4008 because their queue passed --max-queue-bytes."
        )
        deadPeerCloses = registry.counter("gateway_dead_peer_closes", help: "Clients dropped for missing a pong.")
        replayScanLimits = registry.counter(
            "gateway_replay_scan_limits",
            help: "Replays stopped at --max-replay-scan (scan_limit notice, close 4009; the client continues with since=)."
        )
        subscriptionReconnects = registry.counter(
            "gateway_subscription_reconnects",
            help: "Times the Redis subscription dropped and was re-established."
        )
        streamRollbacks = registry.counter(
            "gateway_stream_rollbacks",
            help: "Re-subscriptions that found events this gateway had delivered missing from the stream (a Redis failover lost unreplicated writes)."
        )
        gapFillEvents = registry.counter("gateway_gap_fill_events", help: "Events read back from the stream after a subscription drop.")
        invalidMessages = registry.counter("gateway_invalid_messages", help: "Channel messages that were not envelopes (ignored).")
        fanoutPhases = FanOutPhases(registry: registry)
        subscriptionHealthy = registry.gauge("gateway_subscription_healthy", help: "1 while the subscription delivers the gateway's own heartbeat.")
        fanoutLatency = registry.secondsHistogram(
            "gateway_fanout_latency",
            help: "Time from the event's stream id (when Redis stored it) to its frames being written to clients.",
            buckets: [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
            ]
        )
    }

    func rejected(reason: String) {
        registry.counter(
            "gateway_connections_rejected",
            help: "Stream requests (WebSocket handshakes and SSE requests) refused, by status.",
            labels: [("reason", reason)]
        ).increment()
    }
}
