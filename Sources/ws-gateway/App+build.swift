import Common
import HTTPServing
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import Prometheus

/// Builds ws-gateway: the Redis subscription service, the fan-out, the routes and the server. Tests call this too.
func buildApplication(
    _ configuration: GatewayConfiguration,
    logger: Logger,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    eventLoopGroup: MultiThreadedEventLoopGroup = .singleton
) async throws(ConfigurationError) -> some ApplicationProtocol {
    let access = try await AccessPolicy.load(configuration.access, listenHost: configuration.host)
    let metrics = GatewayMetrics(registry: registry)
    let broadcaster = Broadcaster(eventLoopGroup: eventLoopGroup, metrics: metrics, batchingWindow: configuration.batchWindow)
    let gatewayID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    let subscription = SubscriptionService(
        configuration: configuration,
        broadcaster: broadcaster,
        metrics: metrics,
        gatewayID: gatewayID,
        logger: logger
    )
    let streams = GatewayStreams(
        configuration: configuration,
        admission: try WebSocketAdmission(configuration: configuration, access: access),
        broadcaster: broadcaster,
        history: HistoryReader(
            redis: subscription.commands.connection,
            keys: configuration.keys,
            metrics: metrics,
            pageBytes: max(16 * 1024, configuration.maxQueueBytes / 2),
            scanBudget: configuration.maxReplayScan,
            compress: configuration.compression
        ),
        metrics: metrics,
        logger: logger
    )
    access.logSummary(configuration.access, logger: logger)

    let router = Router(options: .autoGenerateHeadEndpoints)
    GatewayController(streams: streams).addRoutes(to: router)
    HealthController(
        registry: metrics.registry,
        readiness: { .init(subscription: subscription) },
        beforeScrape: { metrics.connections.set(to: Double(streams.admission.openConnections)) }
    ).addRoutes(to: router)

    return Application(
        router: router,
        server: HTTPServerBuilder { responder in GatewayChildChannel(responder: responder, gateway: streams, logger: logger) },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ws-gateway"),
        services: [
            subscription,
            StreamDrainService(admission: streams.admission, drainTimeout: configuration.drainTimeout),
            PingService(broadcaster: broadcaster, interval: configuration.pingInterval),
            PublicKeyReloadService(verifier: access.verifier, logger: logger),
        ] + SentinelWatcher.services(for: configuration.redis, registry: metrics.registry, logger: logger),
        onServerRunning: { channel in
            logger.info(
                "ws-gateway listening",
                metadata: [
                    "address": .string(channel.localAddress?.description ?? "?"),
                    "redis": .string(configuration.redis.logDescription),
                    "gateway_id": .string(gatewayID),
                ]
            )
        },
        eventLoopGroupProvider: .shared(eventLoopGroup),
        logger: logger
    )
}
