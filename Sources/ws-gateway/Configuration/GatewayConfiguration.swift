import Common

#if canImport(Glibc)
import Glibc
#endif

/// Everything ws-gateway runs with, resolved from the command line, the environment and defaults (in that order).
struct GatewayConfiguration: Sendable {
    var host = "127.0.0.1"
    var port = 8081
    var redis = RedisConfiguration(commandTimeout: .seconds(2))
    var keys = RedisKeys()
    /// Who may read the streams (tokens, JWT keys, allowed hosts).
    var access = AccessConfiguration()
    /// `nil`: only the gateway's own origin (its allowed `Host`, scheme from `X-Forwarded-Proto`). `["*"]`: any origin.
    var allowedOrigins: [String]?
    var maxQueueBytes = 1 << 20
    var maxConnections = GatewayConfiguration.defaultMaxConnections()
    var pingInterval: Duration = .seconds(25)
    var handshakeTimeout: Duration = .seconds(10)
    var maxFrameBytes = 4096
    var drainTimeout: Duration = .seconds(5)
    var maxBacklog = 10_000
    /// Stream entries one `since=` or `backlog=` handshake examines at most.
    var maxReplayScan = 100_000
    /// Time a client has to read one replayed page before it is closed as a slow consumer.
    var replayWriteTimeout: Duration = .seconds(10)
    /// Drains closer together than this are merged under load (see ``LoopHub``).
    var batchWindow: Duration = .milliseconds(5)
    /// How often the gateway proves its subscription works by receiving its own heartbeat.
    var heartbeatInterval: Duration = .seconds(1)
    /// Offer permessage-deflate to WebSocket clients that ask for it (each event is compressed once, for all).
    var compression = false

    init() {}

    init(
        options: GatewayOptions,
        access: AccessOptions,
        sentinel: RedisSentinelOptions? = nil,
        environment: EnvironmentValues
    ) throws(ConfigurationError) {
        host = resolve(options.host, environment.string("GATEWAY_HOST"), default: host)
        port = resolve(options.port, try environment.int("GATEWAY_PORT"), default: port)
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be between 0 and 65535") }
        (redis, keys) = try RedisSettings.resolve(
            url: options.redisURL,
            timeout: options.redisTimeout,
            prefix: options.redisPrefix,
            sentinel: sentinel,
            defaultTimeout: .seconds(2),
            environment: environment
        )
        self.access = try AccessConfiguration(options: access, environment: environment)
        allowedOrigins = options.allowedOrigins.map(EnvironmentValues.splitList) ?? environment.list("GATEWAY_ALLOWED_ORIGINS")
        _ = try OriginPolicy(configured: allowedOrigins)
        maxQueueBytes = resolve(options.maxQueueBytes, try environment.int("GATEWAY_MAX_QUEUE_BYTES"), default: maxQueueBytes)
        guard maxQueueBytes >= 16 * 1024 else { throw ConfigurationError("--max-queue-bytes must be at least 16384") }
        maxConnections = resolve(options.maxConnections, try environment.int("GATEWAY_MAX_CONNECTIONS"), default: maxConnections)
        guard maxConnections >= 1 else { throw ConfigurationError("--max-connections must be at least 1") }
        pingInterval = resolve(
            try parseDurationOption(options.pingInterval, name: "ping-interval"),
            try environment.duration("GATEWAY_PING_INTERVAL"),
            default: pingInterval
        )
        guard pingInterval >= .milliseconds(100) else { throw ConfigurationError("--ping-interval must be at least 100ms") }
        handshakeTimeout = resolve(
            try parseDurationOption(options.handshakeTimeout, name: "handshake-timeout"),
            try environment.duration("GATEWAY_HANDSHAKE_TIMEOUT"),
            default: handshakeTimeout
        )
        guard handshakeTimeout > .zero else { throw ConfigurationError("--handshake-timeout must be more than zero") }
        maxFrameBytes = resolve(options.maxFrameBytes, try environment.int("GATEWAY_MAX_FRAME_BYTES"), default: maxFrameBytes)
        guard maxFrameBytes >= 125 else { throw ConfigurationError("--max-frame-bytes must be at least 125 (a control frame)") }
        drainTimeout = resolve(
            try parseDurationOption(options.drainTimeout, name: "drain-timeout"),
            try environment.duration("GATEWAY_DRAIN_TIMEOUT"),
            default: drainTimeout
        )
        batchWindow = resolve(
            try parseDurationOption(options.batchWindow, name: "batch-window"),
            try environment.duration("GATEWAY_BATCH_WINDOW"),
            default: batchWindow
        )
        guard batchWindow <= .seconds(1) else { throw ConfigurationError("--batch-window must be at most 1s") }
        maxBacklog = resolve(options.maxBacklog, try environment.int("GATEWAY_MAX_BACKLOG"), default: maxBacklog)
        guard maxBacklog >= 0 else { throw ConfigurationError("--max-backlog must be 0 or more") }
        maxReplayScan = resolve(options.maxReplayScan, try environment.int("GATEWAY_MAX_REPLAY_SCAN"), default: maxReplayScan)
        guard maxReplayScan >= 1000 else { throw ConfigurationError("--max-replay-scan must be at least 1000") }
        replayWriteTimeout = resolve(
            try parseDurationOption(options.replayWriteTimeout, name: "replay-write-timeout"),
            try environment.duration("GATEWAY_REPLAY_WRITE_TIMEOUT"),
            default: replayWriteTimeout
        )
        guard replayWriteTimeout >= .milliseconds(100) else { throw ConfigurationError("--replay-write-timeout must be at least 100ms") }
        compression = options.compression || ["1", "true", "yes"].contains(environment.string("GATEWAY_COMPRESSION")?.lowercased() ?? "")
    }

    /// The open-file limit minus a reserve for Redis, listening sockets, logs and plain HTTP requests.
    static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let files = limit.rlim_cur == rlim_t.max ? 1_048_576 : Int(limit.rlim_cur)
        return max(16, files - 256)
    }
}
