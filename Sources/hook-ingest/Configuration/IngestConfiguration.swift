import Common
import Logging

/// Everything hook-ingest runs with, resolved from the command line, the environment and defaults (in that order).
struct IngestConfiguration: Sendable {
    var host = "127.0.0.1"
    var port = 8080
    var registrations: [WebhookRegistration] = []
    var redis = RedisConfiguration()
    var keys = RedisKeys()
    var maxBodyBytes = 32 * 1024 * 1024
    var streamMaxLength = 1_000_000
    var dedupTTL: Duration = .seconds(7 * 86400)
    var messageTTL: Duration = .seconds(30 * 86400)

    init() {}

    init(options: IngestOptions, environment: EnvironmentValues) throws(ConfigurationError) {
        host = resolve(options.host, environment.string("INGEST_HOST"), default: host)
        port = resolve(options.port, try environment.int("INGEST_PORT"), default: port)
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be between 0 and 65535") }

        (redis, keys) = try RedisSettings.resolve(
            url: options.redisURL,
            timeout: options.redisTimeout,
            prefix: options.redisPrefix,
            defaultTimeout: .seconds(1),
            environment: environment
        )

        maxBodyBytes = resolve(options.maxBodyBytes, try environment.int("INGEST_MAX_BODY_BYTES"), default: maxBodyBytes)
        guard maxBodyBytes >= 1024 else { throw ConfigurationError("--max-body-bytes must be at least 1024") }
        streamMaxLength = resolve(options.streamMaxlen, try environment.int("STREAM_MAXLEN"), default: streamMaxLength)
        guard streamMaxLength >= 1 else { throw ConfigurationError("--stream-maxlen must be at least 1") }
        dedupTTL = resolve(try parseDurationOption(options.dedupTTL, name: "dedup-ttl"), try environment.duration("DEDUP_TTL"), default: dedupTTL)
        guard dedupTTL >= .seconds(1) else { throw ConfigurationError("--dedup-ttl must be at least 1s") }
        messageTTL = resolve(
            try parseDurationOption(options.messageTTL, name: "message-ttl"),
            try environment.duration("MESSAGE_TTL"),
            default: messageTTL
        )

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
