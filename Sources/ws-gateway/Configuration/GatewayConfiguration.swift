import Common

#if canImport(Glibc)
import Glibc
#endif

/// Everything ws-gateway runs with, resolved from the command line, the environment and defaults (in that order).
struct GatewayConfiguration: Sendable {
    var host = GatewayOptions.host.requiredDefault
    var port = GatewayOptions.port.requiredDefault
    var redis = RedisConfiguration(commandTimeout: GatewayOptions.redisTimeout.requiredDefault)
    var keys = RedisKeys(prefix: RedisOptions.prefix.requiredDefault)
    /// Who may read the streams (tokens, JWT keys, allowed hosts).
    var access = AccessConfiguration()
    /// `nil`: only the gateway's own origin (its allowed `Host`, scheme from `X-Forwarded-Proto`). `["*"]`: any origin.
    var allowedOrigins: [String]?
    var maxQueueBytes = GatewayOptions.maxQueueBytes.requiredDefault
    var maxConnections = GatewayConfiguration.defaultMaxConnections()
    var pingInterval = GatewayOptions.pingInterval.requiredDefault
    var handshakeTimeout = GatewayOptions.handshakeTimeout.requiredDefault
    var maxFrameBytes = GatewayOptions.maxFrameBytes.requiredDefault
    var drainTimeout = GatewayOptions.drainTimeout.requiredDefault
    var maxBacklog = GatewayOptions.maxBacklog.requiredDefault
    /// Stream entries one `since=` or `backlog=` handshake examines at most.
    var maxReplayScan = GatewayOptions.maxReplayScan.requiredDefault
    /// Time a client has to read one replayed page before it is closed as a slow consumer.
    var replayWriteTimeout = GatewayOptions.replayWriteTimeout.requiredDefault
    /// Drains closer together than this are merged under load (see ``LoopHub``).
    var batchWindow = GatewayOptions.batchWindow.requiredDefault
    /// How often the gateway proves its subscription works by receiving its own heartbeat.
    var heartbeatInterval: Duration = .seconds(1)
    /// Offer permessage-deflate to WebSocket clients that ask for it (each event is compressed once, for all).
    var compression = GatewayOptions.compression.requiredDefault

    init() {}

    init(
        options: GatewayOptions,
        access: AccessOptions,
        sentinel: RedisSentinelOptions? = nil,
        environment: EnvironmentValues
    ) throws(ConfigurationError) {
        host = try GatewayOptions.host.resolve(options.host, in: environment)
        port = try GatewayOptions.port.resolve(options.port, in: environment)
        let timeout = try GatewayOptions.redisTimeout.resolve(options.redisTimeout, in: environment)
        (redis, keys) = try RedisSettings.resolve(options.redis, timeout: timeout, sentinel: sentinel, environment: environment)
        self.access = try AccessConfiguration(options: access, environment: environment)
        allowedOrigins = try GatewayOptions.allowedOrigins.value(options.allowedOrigins, in: environment)
        _ = try OriginPolicy(configured: allowedOrigins)
        maxQueueBytes = try GatewayOptions.maxQueueBytes.resolve(options.maxQueueBytes, in: environment)
        maxConnections = try GatewayOptions.maxConnections.value(options.maxConnections, in: environment) ?? maxConnections
        pingInterval = try GatewayOptions.pingInterval.resolve(options.pingInterval, in: environment)
        handshakeTimeout = try GatewayOptions.handshakeTimeout.resolve(options.handshakeTimeout, in: environment)
        maxFrameBytes = try GatewayOptions.maxFrameBytes.resolve(options.maxFrameBytes, in: environment)
        drainTimeout = try GatewayOptions.drainTimeout.resolve(options.drainTimeout, in: environment)
        batchWindow = try GatewayOptions.batchWindow.resolve(options.batchWindow, in: environment)
        maxBacklog = try GatewayOptions.maxBacklog.resolve(options.maxBacklog, in: environment)
        maxReplayScan = try GatewayOptions.maxReplayScan.resolve(options.maxReplayScan, in: environment)
        replayWriteTimeout = try GatewayOptions.replayWriteTimeout.resolve(options.replayWriteTimeout, in: environment)
        compression = try GatewayOptions.compression.isOn(options.compression, in: environment)
    }

    /// The open-file limit minus a reserve for Redis, listening sockets, logs and plain HTTP requests.
    static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let files = limit.rlim_cur == rlim_t.max ? 1_048_576 : Int(limit.rlim_cur)
        return max(16, files - 256)
    }
}
