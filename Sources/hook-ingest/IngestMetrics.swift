import Common
import Prometheus

/// hook-ingest's Prometheus metrics, registered on the registry `/metrics` renders (no global state).
struct IngestMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let eventsStored: Counter
    let eventsDuplicate: Counter
    let storeSeconds: DurationHistogram
    let redisUp: Gauge
    /// Batches answered 503 because fewer replicas than `--redis-min-replicas-ack` confirmed them.
    let replicaAckFailures: Counter
    /// One counter per outcome, made once: looking a counter up in the registry per request costs a lock.
    private let requests: [String: Counter]
    static let outcomes = [
        "stored", "empty", "unauthorized", "bad_request", "unsupported_media_type", "too_large", "timed_out", "busy", "unavailable",
    ]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        let eventsHelp = "Events received from Mandrill, by result."
        eventsStored = registry.counter("ingest_events", help: eventsHelp, labels: [("result", "stored")])
        eventsDuplicate = registry.counter("ingest_events", help: eventsHelp, labels: [("result", "duplicate")])
        storeSeconds = registry.secondsHistogram(
            "ingest_store",
            help: "Time Redis took to store one batch.",
            buckets: [
                .microseconds(250), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
            ]
        )
        replicaAckFailures = registry.counter(
            "ingest_replica_ack_failures",
            help: "Batches stored on the primary but answered 503 because fewer replicas than --redis-min-replicas-ack confirmed them."
        )
        redisUp = registry.gauge("ingest_redis_connected", help: "1 while the Redis connection is up.")
        var requests: [String: Counter] = [:]
        for outcome in Self.outcomes {
            requests[outcome] = registry.counter("ingest_requests", help: "Webhook POSTs answered, by outcome.", labels: [("outcome", outcome)])
        }
        self.requests = requests
    }

    /// Counts one refused read-API request (401 no or bad token, 403 no token option on a public address,
    /// 421 a Host that is not allowed).
    func readRefused(status: Int) {
        registry.counter("ingest_read_refused", help: "Read-API requests refused, by status.", labels: [("status", String(status))]).increment()
    }

    /// Counts one answered webhook POST by outcome (`stored`, `empty`, `unauthorized`, `bad_request`, `timed_out`,
    /// `busy` (every body slot taken), `unavailable` (Redis), …).
    func request(outcome: String) {
        requests[outcome]?.increment()
    }
}
