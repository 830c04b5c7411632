import Common
import HTTPServing
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// Builds hook-ingest: the Redis client service, the routes, and the HTTP server. Tests call this too.
func buildApplication(
    _ configuration: IngestConfiguration,
    logger: Logger,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws(ConfigurationError) -> some ApplicationProtocol {
    let access = try await AccessPolicy.load(configuration.access, listenHost: configuration.host)
    access.logSummary(configuration.access, logger: logger)
    let redis = RedisClient(configuration: configuration.redis, logger: logger, name: "ingest-redis")
    let metrics = IngestMetrics(registry: registry)
    let store = EventStore(
        redis: redis,
        keys: configuration.keys,
        retention: configuration.retention,
        dedupTTL: configuration.dedupTTL,
        messageTTL: configuration.messageTTL,
        replication: configuration.replication
    )
    let registrations = configuration.effectiveRegistrations
    if configuration.registrations.isEmpty {
        logger.warning(
            "No webhook registration configured: only Mandrill's empty test-webhook check can pass on /api/hook/. Set --config or MANDRILL_WEBHOOK_URL and MANDRILL_WEBHOOK_KEYS."
        )
    }
    for registration in registrations where registration.keys.isEmpty && !configuration.registrations.isEmpty {
        logger.warning(
            "Registration has no keys: only the empty test-webhook check can pass",
            metadata: ["registration": .string(registration.logDescription)]
        )
    }

    var swaggerUI: SwaggerUIAssets?
    if let directory = configuration.swaggerUIDirectory {
        swaggerUI = try SwaggerUIAssets.load(directory: directory)
        logger.info("Swagger UI for /doc served from local files", metadata: ["directory": .string(directory)])
    } else {
        logger.info(
            "No Swagger UI files found (scripts/install-swagger-ui.sh installs them, --swagger-ui-dir names them): /doc loads Swagger UI from unpkg.com, or shows the raw document"
        )
    }

    // No request-logging middleware: it would log query strings, and a webhook URL may carry a secret there
    // (Mandrill's own advice instead of IP allow-lists). The controllers log outcomes without them.
    let router = Router(context: IngestRequestContext.self, options: .autoGenerateHeadEndpoints)
    let bodyDeadlines = BodyDeadlines(timeout: configuration.webhook.bodyTimeout)
    WebhookController(
        registrations: registrations,
        store: store,
        limits: configuration.webhook,
        deadlines: bodyDeadlines,
        metrics: metrics,
        logger: logger
    )
    .addRoutes(to: router)
    EventsController(store: store, access: access, metrics: metrics, logger: logger).addRoutes(to: router)
    HealthController(
        registry: metrics.registry,
        readiness: { [replication = configuration.replication] in await .redis(redis, replication: replication) },
        beforeScrape: { metrics.redisUp.set(to: redis.isConnected ? 1 : 0) }
    ).addRoutes(to: router)
    DocsController(swaggerUI: swaggerUI).addRoutes(to: router)

    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hook-ingest"),
        services: [redis, bodyDeadlines, PublicKeyReloadService(verifier: access.verifier, logger: logger)]
            + SentinelWatcher.services(for: configuration.redis, registry: registry, logger: logger),
        onServerRunning: { channel in
            logger.info(
                "hook-ingest listening",
                metadata: [
                    "address": .string(channel.localAddress?.description ?? "?"),
                    "registrations": .string(registrations.map(\.logDescription).joined(separator: "; ")),
                    "redis": .string(configuration.redis.logDescription),
                ]
            )
        },
        logger: logger
    )
}
