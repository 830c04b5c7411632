import Common
import Logging

/// Everything hook-ingest runs with, resolved from the command line, the environment and defaults (in that order).
struct IngestConfiguration: Sendable {
    var host = "127.0.0.1"
    var port = 8080
    var registrations: [WebhookRegistration] = []
    /// Who may use the read API (tokens, JWT keys, allowed hosts).
    var access = AccessConfiguration()
    var redis = RedisConfiguration()
    var keys = RedisKeys()
    var webhook = WebhookLimits()
    /// A connection with no request (or a body that stops arriving) for this long is closed.
    var idleTimeout: Duration = .seconds(30)
    var retention = StreamRetention()
    var dedupTTL: Duration = .seconds(7 * 86400)
    var messageTTL: Duration = .seconds(30 * 86400)
    /// `--redis-min-replicas-ack`: replicas that must confirm a batch before it is acknowledged.
    var replication = ReplicaAcknowledgement()
    /// Where the Swagger UI files of `/doc` are read from at start; `nil`: the page loads them from the CDN.
    var swaggerUIDirectory: String?

    init() {}

    init(
        options: IngestOptions,
        access: AccessOptions,
        sentinel: RedisSentinelOptions? = nil,
        environment: EnvironmentValues,
        swaggerUICandidates: [String] = SwaggerUIAssets.defaultDirectories
    ) throws(ConfigurationError) {
        self.access = try AccessConfiguration(options: access, environment: environment)
        host = resolve(options.host, environment.string("INGEST_HOST"), default: host)
        port = resolve(options.port, try environment.int("INGEST_PORT"), default: port)
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be between 0 and 65535") }

        (redis, keys) = try RedisSettings.resolve(
            url: options.redisURL,
            timeout: options.redisTimeout,
            prefix: options.redisPrefix,
            sentinel: sentinel,
            defaultTimeout: .seconds(1),
            environment: environment
        )

        let replicas = resolve(options.redisMinReplicasAck, try environment.int("REDIS_MIN_REPLICAS_ACK"), default: 0)
        guard (0...64).contains(replicas) else { throw ConfigurationError("--redis-min-replicas-ack must be from 0 to 64") }
        replication = ReplicaAcknowledgement(required: replicas, commandTimeout: redis.commandTimeout)

        webhook.maxBodyBytes = resolve(options.maxBodyBytes, try environment.int("INGEST_MAX_BODY_BYTES"), default: webhook.maxBodyBytes)
        guard (1024...(1 << 30)).contains(webhook.maxBodyBytes) else { throw ConfigurationError("--max-body-bytes must be from 1024 to 1073741824") }
        webhook.maxConcurrentBodies = resolve(
            options.maxConcurrentBodies,
            try environment.int("INGEST_MAX_CONCURRENT_BODIES"),
            default: webhook.maxConcurrentBodies
        )
        guard (1...1024).contains(webhook.maxConcurrentBodies) else { throw ConfigurationError("--max-concurrent-bodies must be from 1 to 1024") }
        webhook.maxFormFields = resolve(options.maxFormFields, try environment.int("INGEST_MAX_FORM_FIELDS"), default: webhook.maxFormFields)
        guard (1...1000).contains(webhook.maxFormFields) else { throw ConfigurationError("--max-form-fields must be from 1 to 1000") }
        webhook.bodyTimeout = resolve(
            try parseDurationOption(options.bodyTimeout, name: "body-timeout"),
            try environment.duration("INGEST_BODY_TIMEOUT"),
            default: webhook.bodyTimeout
        )
        guard webhook.bodyTimeout >= .milliseconds(100) else { throw ConfigurationError("--body-timeout must be at least 100ms") }
        idleTimeout = resolve(
            try parseDurationOption(options.idleTimeout, name: "idle-timeout"),
            try environment.duration("INGEST_IDLE_TIMEOUT"),
            default: idleTimeout
        )
        guard idleTimeout >= .milliseconds(100) else { throw ConfigurationError("--idle-timeout must be at least 100ms") }
        retention.maxLength = resolve(options.streamMaxlen, try environment.int("STREAM_MAXLEN"), default: retention.maxLength)
        guard retention.maxLength >= 1 else { throw ConfigurationError("--stream-maxlen must be at least 1") }
        retention.maxAge = resolve(
            try parseDurationOption(options.streamMaxAge, name: "stream-max-age"),
            try environment.duration("STREAM_MAX_AGE"),
            default: retention.maxAge
        )
        guard retention.maxAge == .zero || retention.maxAge >= .seconds(60) else {
            throw ConfigurationError("--stream-max-age must be 0 (no age limit) or at least 1m")
        }
        retention.largeEventBytes = resolve(options.largeEventBytes, try environment.int("LARGE_EVENT_BYTES"), default: retention.largeEventBytes)
        guard retention.largeEventBytes >= 1024 else { throw ConfigurationError("--large-event-bytes must be at least 1024") }
        retention.largeEventMemory = resolve(
            options.largeEventMemory,
            try environment.int("LARGE_EVENT_MEMORY"),
            default: retention.largeEventMemory
        )
        guard retention.largeEventMemory >= retention.largeEventBytes else {
            throw ConfigurationError("--large-event-memory must be at least --large-event-bytes")
        }
        dedupTTL = resolve(try parseDurationOption(options.dedupTTL, name: "dedup-ttl"), try environment.duration("DEDUP_TTL"), default: dedupTTL)
        guard dedupTTL >= .seconds(1) else { throw ConfigurationError("--dedup-ttl must be at least 1s") }
        messageTTL = resolve(
            try parseDurationOption(options.messageTTL, name: "message-ttl"),
            try environment.duration("MESSAGE_TTL"),
            default: messageTTL
        )

        // A directory named explicitly must hold the files (a typo should not go unnoticed); the default places are
        // only looked at.
        if let directory = options.swaggerUIDir ?? environment.string("SWAGGER_UI_DIR") {
            guard SwaggerUIAssets.isComplete(directory) else {
                let names = SwaggerUIAssets.files.map(\.name).joined(separator: " and ")
                throw ConfigurationError("--swagger-ui-dir \(directory) must hold \(names): run scripts/install-swagger-ui.sh \(directory)")
            }
            swaggerUIDirectory = directory
        } else {
            swaggerUIDirectory = SwaggerUIAssets.firstComplete(of: swaggerUICandidates)
        }

        if let path = options.config ?? environment.string("INGEST_CONFIG") {
            registrations += try RegistrationFile.load(path: path)
        }
        if let url = environment.string("MANDRILL_WEBHOOK_URL") {
            let keys = environment.list("MANDRILL_WEBHOOK_KEYS") ?? []
            registrations.append(try WebhookRegistration(url: url, keys: keys, path: environment.string("MANDRILL_WEBHOOK_PATH")))
        }
        for registration in registrations {
            let trimmed = registration.path.hasSuffix("/") && registration.path.count > 1 ? String(registration.path.dropLast()) : registration.path
            if Self.reservedPaths.contains(where: { trimmed == $0 || trimmed.hasPrefix($0 + "/") }) {
                throw ConfigurationError("webhook path \(registration.path) collides with a built-in route")
            }
        }
        let paths = registrations.map(\.path)
        if let duplicate = paths.first(where: { path in paths.filter { $0 == path }.count > 1 }) {
            throw ConfigurationError("two webhook registrations use the path \(duplicate)")
        }
    }

    /// Routes hook-ingest serves itself; a registration may not use them.
    static let reservedPaths = ["/", "/api/events", "/api/messages", "/healthz", "/readyz", "/metrics", "/doc", "/openapi.json"]

    /// The registrations to serve; the unconfigured fallback when there are none.
    var effectiveRegistrations: [WebhookRegistration] {
        registrations.isEmpty ? [.unconfigured] : registrations
    }
}
