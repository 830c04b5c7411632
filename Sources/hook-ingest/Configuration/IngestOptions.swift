import ArgumentParser
import Common

/// hook-ingest's table of options: each definition gives the flag, the environment variable, the default, the help
/// and the check, and the `@Option` below it puts it on the command line. ``table`` lists them with the shared ones
/// (Redis, Sentinel, access control, logging) for `--help`, the README and the deploy examples, which a test holds
/// to it.
struct IngestOptions: ParsableArguments {
    static let config = OptionDefinition<String>(
        flag: "config",
        environment: "INGEST_CONFIG",
        kind: .text,
        help: "JSON file of webhook registrations; see the README for the format"
    )
    @Option(IngestOptions.config) var config: String?

    static let webhookURL = OptionDefinition<String>(
        flag: nil,
        environment: "MANDRILL_WEBHOOK_URL",
        kind: .text,
        // It may carry the Basic credentials Mandrill sends (`https://user:pass@host/…`).
        secret: true,
        help: "one webhook registration without --config: the URL exactly as entered in Mandrill"
    )

    static let webhookKeys = OptionDefinition<[String]>(
        flag: nil,
        environment: "MANDRILL_WEBHOOK_KEYS",
        kind: .list,
        secret: true,
        help: "the keys of MANDRILL_WEBHOOK_URL, comma-separated (several during a rotation)"
    )

    static let webhookPath = OptionDefinition<String>(
        flag: nil,
        environment: "MANDRILL_WEBHOOK_PATH",
        kind: .text,
        defaultDescription: "the URL's path",
        help: "the local path MANDRILL_WEBHOOK_URL is served on"
    )

    static let host = OptionDefinition<String>(
        flag: "host",
        environment: "INGEST_HOST",
        kind: .text,
        default: "127.0.0.1",
        help: "Address to listen on"
    )
    @Option(IngestOptions.host) var host: String?

    static let port = OptionDefinition<Int>(
        flag: "port",
        environment: "INGEST_PORT",
        kind: .wholeNumber,
        default: 8080,
        requirement: .within(0...65535),
        help: "Port to listen on; 0 picks a free one"
    )
    @Option(IngestOptions.port) var port: Int?

    @OptionGroup var redis: RedisOptions

    static let redisTimeout = OptionDefinition<Duration>(
        flag: "redis-timeout",
        environment: "REDIS_TIMEOUT",
        kind: .duration,
        default: .seconds(1),
        requirement: .moreThanZero,
        help: "How long to wait for Redis before answering 503"
    )
    @Option(IngestOptions.redisTimeout) var redisTimeout: Duration?

    static let redisMinReplicasAck = OptionDefinition<Int>(
        flag: "redis-min-replicas-ack",
        environment: "REDIS_MIN_REPLICAS_ACK",
        kind: .wholeNumber,
        default: 0,
        requirement: .within(0...64),
        help:
            "Answer 200 only once this many replicas confirmed the batch (Redis WAIT, up to half of --redis-timeout); fewer gets 503 and Mandrill retries; 0: the primary alone"
    )
    @Option(IngestOptions.redisMinReplicasAck) var redisMinReplicasAck: Int?

    static let maxBodyBytes = OptionDefinition<Int>(
        flag: "max-body-bytes",
        environment: "INGEST_MAX_BODY_BYTES",
        kind: .wholeNumber,
        default: 32 << 20,
        requirement: .within(1024...(1 << 30)),
        help: "Largest accepted request body in bytes; larger gets 413"
    )
    @Option(IngestOptions.maxBodyBytes) var maxBodyBytes: Int?

    static let maxConcurrentBodies = OptionDefinition<Int>(
        flag: "max-concurrent-bodies",
        environment: "INGEST_MAX_CONCURRENT_BODIES",
        kind: .wholeNumber,
        default: 4,
        requirement: .within(1...1024),
        help:
            "Webhook bodies read at once, in units of --max-body-bytes: smaller bodies take a share, so many small ones fit; the rest wait up to --body-timeout, then get 503"
    )
    @Option(IngestOptions.maxConcurrentBodies) var maxConcurrentBodies: Int?

    static let bodyTimeout = OptionDefinition<Duration>(
        flag: "body-timeout",
        environment: "INGEST_BODY_TIMEOUT",
        kind: .duration,
        default: .seconds(60),
        requirement: .atLeast(.milliseconds(100)),
        help:
            "Time a webhook body has to arrive in full; later gets 408 and the connection closes (checked every tenth of it, at least once a second)"
    )
    @Option(IngestOptions.bodyTimeout) var bodyTimeout: Duration?

    static let idleTimeout = OptionDefinition<Duration>(
        flag: "idle-timeout",
        environment: "INGEST_IDLE_TIMEOUT",
        kind: .duration,
        default: .seconds(30),
        requirement: .atLeast(.milliseconds(100)),
        help: "A connection that sends nothing for this long (between requests, or mid-body) is closed"
    )
    @Option(IngestOptions.idleTimeout) var idleTimeout: Duration?

    static let maxFormFields = OptionDefinition<Int>(
        flag: "max-form-fields",
        environment: "INGEST_MAX_FORM_FIELDS",
        kind: .wholeNumber,
        default: FormBody.defaultMaxFields,
        requirement: .within(1...1000),
        help: "Most fields a webhook form may have; Mandrill sends one"
    )
    @Option(IngestOptions.maxFormFields) var maxFormFields: Int?

    static let streamMaxlen = OptionDefinition<Int>(
        flag: "stream-maxlen",
        environment: "STREAM_MAXLEN",
        kind: .wholeNumber,
        default: 1_000_000,
        requirement: .atLeast(1),
        help: "Approximate number of events the stream keeps, MAXLEN ~"
    )
    @Option(IngestOptions.streamMaxlen) var streamMaxlen: Int?

    static let streamMaxAge = OptionDefinition<Duration>(
        flag: "stream-max-age",
        environment: "STREAM_MAX_AGE",
        kind: .duration,
        default: .seconds(30 * 86400),
        requirement: OptionRequirement("must be 0 (no age limit) or at least 1m") { $0 == .zero || $0 >= .seconds(60) },
        help: "Events older than this are trimmed from the stream (MINID ~); 0 keeps them by count only"
    )
    @Option(IngestOptions.streamMaxAge) var streamMaxAge: Duration?

    static let largeEventBytes = OptionDefinition<Int>(
        flag: "large-event-bytes",
        environment: "LARGE_EVENT_BYTES",
        kind: .wholeNumber,
        default: 64 << 10,
        requirement: .atLeast(1024),
        help: "Events larger than this (inbound mail with attachments) keep their body in a key of their own, outside the stream"
    )
    @Option(IngestOptions.largeEventBytes) var largeEventBytes: Int?

    /// At least ``largeEventBytes``: checked by ``IngestConfiguration``, which sees both.
    static let largeEventMemory = OptionDefinition<Int>(
        flag: "large-event-memory",
        environment: "LARGE_EVENT_MEMORY",
        kind: .wholeNumber,
        default: 256 << 20,
        help: "Total bytes of those large bodies Redis keeps; past it the oldest are dropped, and replays show them as event null"
    )
    @Option(IngestOptions.largeEventMemory) var largeEventMemory: Int?

    static let dedupTTL = OptionDefinition<Duration>(
        flag: "dedup-ttl",
        environment: "DEDUP_TTL",
        kind: .duration,
        default: .seconds(7 * 86400),
        requirement: .atLeast(.seconds(1)),
        help: "How long an event's dedup marker lives; keep it past Mandrill's retry horizon"
    )
    @Option(IngestOptions.dedupTTL) var dedupTTL: Duration?

    static let messageTTL = OptionDefinition<Duration>(
        flag: "message-ttl",
        environment: "MESSAGE_TTL",
        kind: .duration,
        default: .seconds(30 * 86400),
        help: "How long a message record lives after its last event; 0 keeps it forever"
    )
    @Option(IngestOptions.messageTTL) var messageTTL: Duration?

    /// Its default is a search (``SwaggerUIAssets/defaultDirectories``), done by ``IngestConfiguration``.
    static let swaggerUIDir = OptionDefinition<String>(
        flag: "swagger-ui-dir",
        environment: "SWAGGER_UI_DIR",
        kind: .text,
        defaultDescription: SwaggerUIAssets.defaultDirectories.joined(separator: " or ") + ", the first that has them",
        valueName: "directory",
        help:
            "Directory of the Swagger UI files /doc serves, as scripts/install-swagger-ui.sh installs them; with none found, /doc loads Swagger UI from unpkg.com"
    )
    @Option(IngestOptions.swaggerUIDir) var swaggerUIDir: String?

    /// Every option of hook-ingest, its own then the shared ones, in `--help` order.
    static let table =
        [config.summary, webhookURL.summary, webhookKeys.summary, webhookPath.summary, host.summary, port.summary]
        + RedisOptions.table
        + [
            redisTimeout.summary, redisMinReplicasAck.summary, maxBodyBytes.summary, maxConcurrentBodies.summary, bodyTimeout.summary,
            idleTimeout.summary, maxFormFields.summary, streamMaxlen.summary, streamMaxAge.summary, largeEventBytes.summary,
            largeEventMemory.summary, dedupTTL.summary, messageTTL.summary, swaggerUIDir.summary,
        ]
        + AccessOptions.table + RedisSentinelOptions.table + LoggingOptions.table

    init() {}
}
