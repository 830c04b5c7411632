import Common
import Logging

/// Everything hook-ingest runs with, resolved from the command line, the environment and defaults (in that order).
struct IngestConfiguration: Sendable {
    var host = IngestOptions.host.requiredDefault
    var port = IngestOptions.port.requiredDefault
    var registrations: [WebhookRegistration] = []
    /// Who may use the read API (tokens, JWT keys, allowed hosts).
    var access = AccessConfiguration()
    var redis = RedisConfiguration(commandTimeout: IngestOptions.redisTimeout.requiredDefault)
    var keys = RedisKeys(prefix: RedisOptions.prefix.requiredDefault)
    var webhook = WebhookLimits()
    /// A connection with no request (or a body that stops arriving) for this long is closed.
    var idleTimeout = IngestOptions.idleTimeout.requiredDefault
    var retention = StreamRetention()
    var dedupTTL = IngestOptions.dedupTTL.requiredDefault
    var messageTTL = IngestOptions.messageTTL.requiredDefault
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
        host = try IngestOptions.host.resolve(options.host, in: environment)
        port = try IngestOptions.port.resolve(options.port, in: environment)

        let timeout = try IngestOptions.redisTimeout.resolve(options.redisTimeout, in: environment)
        (redis, keys) = try RedisSettings.resolve(options.redis, timeout: timeout, sentinel: sentinel, environment: environment)
        let replicas = try IngestOptions.redisMinReplicasAck.resolve(options.redisMinReplicasAck, in: environment)
        replication = ReplicaAcknowledgement(required: replicas, commandTimeout: timeout)

        webhook.maxBodyBytes = try IngestOptions.maxBodyBytes.resolve(options.maxBodyBytes, in: environment)
        webhook.maxConcurrentBodies = try IngestOptions.maxConcurrentBodies.resolve(options.maxConcurrentBodies, in: environment)
        webhook.maxFormFields = try IngestOptions.maxFormFields.resolve(options.maxFormFields, in: environment)
        webhook.bodyTimeout = try IngestOptions.bodyTimeout.resolve(options.bodyTimeout, in: environment)
        idleTimeout = try IngestOptions.idleTimeout.resolve(options.idleTimeout, in: environment)
        retention.maxLength = try IngestOptions.streamMaxlen.resolve(options.streamMaxlen, in: environment)
        retention.maxAge = try IngestOptions.streamMaxAge.resolve(options.streamMaxAge, in: environment)
        retention.largeEventBytes = try IngestOptions.largeEventBytes.resolve(options.largeEventBytes, in: environment)
        retention.largeEventMemory = try IngestOptions.largeEventMemory.resolve(options.largeEventMemory, in: environment)
        guard retention.largeEventMemory >= retention.largeEventBytes else {
            throw ConfigurationError("--large-event-memory must be at least --large-event-bytes")
        }
        dedupTTL = try IngestOptions.dedupTTL.resolve(options.dedupTTL, in: environment)
        messageTTL = try IngestOptions.messageTTL.resolve(options.messageTTL, in: environment)

        // A directory named explicitly must hold the files (a typo should not go unnoticed); the default places are
        // only looked at.
        if let directory = try IngestOptions.swaggerUIDir.value(options.swaggerUIDir, in: environment) {
            guard SwaggerUIAssets.isComplete(directory) else {
                let names = SwaggerUIAssets.files.map(\.name).joined(separator: " and ")
                throw ConfigurationError("--swagger-ui-dir \(directory) must hold \(names): run scripts/install-swagger-ui.sh \(directory)")
            }
            swaggerUIDirectory = directory
        } else {
            swaggerUIDirectory = SwaggerUIAssets.firstComplete(of: swaggerUICandidates)
        }

        if let path = try IngestOptions.config.value(options.config, in: environment) {
            registrations += try RegistrationFile.load(path: path)
        }
        if let url = try IngestOptions.webhookURL.value(nil, in: environment) {
            let keys = try IngestOptions.webhookKeys.value(nil, in: environment) ?? []
            registrations.append(try WebhookRegistration(url: url, keys: keys, path: IngestOptions.webhookPath.value(nil, in: environment)))
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
