import ArgumentParser

/// hook-ingest's command line. Every option also reads an environment variable; `--help` names both.
struct IngestOptions: ParsableArguments {
    @Option(name: .long, help: "JSON file of webhook registrations (env: INGEST_CONFIG). See the README for the format.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (env: INGEST_HOST, default: 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on; 0 picks a free one (env: INGEST_PORT, default: 8080).")
    var port: Int?

    @Option(name: .long, help: "Redis URL, redis://[[user]:password@]host[:port][/db] (env: REDIS_URL, default: redis://127.0.0.1:6379).")
    var redisURL: String?

    @Option(name: .long, help: "Prefix of every Redis key and channel (env: REDIS_PREFIX, default: mandrill).")
    var redisPrefix: String?

    @Option(name: .long, help: "How long to wait for Redis before answering 503 (env: REDIS_TIMEOUT, default: 1s).")
    var redisTimeout: String?

    @Option(
        name: .long,
        help:
            "Answer 200 only once this many replicas confirmed the batch (Redis WAIT, up to half of --redis-timeout); fewer gets 503 and Mandrill retries (env: REDIS_MIN_REPLICAS_ACK, default: 0, the primary alone)."
    )
    var redisMinReplicasAck: Int?

    @Option(name: .long, help: "Largest accepted request body in bytes; larger gets 413 (env: INGEST_MAX_BODY_BYTES, default: 33554432).")
    var maxBodyBytes: Int?

    @Option(
        name: .long,
        help:
            "Webhook bodies read at once, in units of --max-body-bytes: smaller bodies take a share, so many small ones fit; the rest wait up to --body-timeout, then get 503 (env: INGEST_MAX_CONCURRENT_BODIES, default: 4)."
    )
    var maxConcurrentBodies: Int?

    @Option(
        name: .long,
        help: "Time a webhook body has to arrive in full; later gets 408 and the connection closes (env: INGEST_BODY_TIMEOUT, default: 60s)."
    )
    var bodyTimeout: String?

    @Option(
        name: .long,
        help: "A connection that sends nothing for this long (between requests, or mid-body) is closed (env: INGEST_IDLE_TIMEOUT, default: 30s)."
    )
    var idleTimeout: String?

    @Option(name: .long, help: "Most fields a webhook form may have; Mandrill sends one (env: INGEST_MAX_FORM_FIELDS, default: 8).")
    var maxFormFields: Int?

    @Option(name: .long, help: "Approximate number of events the stream keeps, MAXLEN ~ (env: STREAM_MAXLEN, default: 1000000).")
    var streamMaxlen: Int?

    @Option(
        name: .long,
        help: "Events older than this are trimmed from the stream (MINID ~); 0 keeps them by count only (env: STREAM_MAX_AGE, default: 30d)."
    )
    var streamMaxAge: String?

    @Option(
        name: .long,
        help:
            "Events larger than this (inbound mail with attachments) keep their body in a key of its own, outside the stream (env: LARGE_EVENT_BYTES, default: 65536)."
    )
    var largeEventBytes: Int?

    @Option(
        name: .long,
        help:
            "Total bytes of those large bodies Redis keeps; past it the oldest are dropped, and replays show them as event null (env: LARGE_EVENT_MEMORY, default: 268435456)."
    )
    var largeEventMemory: Int?

    @Option(name: .long, help: "How long an event's dedup marker lives; keep it past Mandrill's retry horizon (env: DEDUP_TTL, default: 7d).")
    var dedupTTL: String?

    @Option(name: .long, help: "How long a message record lives after its last event; 0 keeps it forever (env: MESSAGE_TTL, default: 30d).")
    var messageTTL: String?

    @Option(
        name: .customLong("swagger-ui-dir"),
        help: ArgumentHelp(
            "Directory of the Swagger UI files /doc serves, as scripts/install-swagger-ui.sh installs them (env: SWAGGER_UI_DIR, default: .build-assets/swagger-ui or /usr/share/mandrill-live/swagger-ui, the first that has them; with neither, /doc loads Swagger UI from unpkg.com).",
            valueName: "directory"
        )
    )
    var swaggerUIDir: String?

    init() {}
}
