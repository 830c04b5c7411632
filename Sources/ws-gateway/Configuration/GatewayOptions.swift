import ArgumentParser
import Common

/// ws-gateway's table of options: each definition gives the flag, the environment variable, the default, the help
/// and the check, and the `@Option` below it puts it on the command line. ``table`` lists them with the shared ones
/// (Redis, Sentinel, access control, logging) for `--help`, the README and the deploy examples, which a test holds
/// to it.
struct GatewayOptions: ParsableArguments {
    static let host = OptionDefinition<String>(
        flag: "host",
        environment: "GATEWAY_HOST",
        kind: .text,
        default: "127.0.0.1",
        help: "Address to listen on"
    )
    @Option(GatewayOptions.host) var host: String?

    static let port = OptionDefinition<Int>(
        flag: "port",
        environment: "GATEWAY_PORT",
        kind: .wholeNumber,
        default: 8081,
        requirement: .within(0...65535),
        help: "Port to listen on; 0 picks a free one"
    )
    @Option(GatewayOptions.port) var port: Int?

    @OptionGroup var redis: RedisOptions

    static let allowedOrigins = OptionDefinition<[String]>(
        flag: "allowed-origins",
        environment: "GATEWAY_ALLOWED_ORIGINS",
        kind: .list,
        defaultDescription: "the gateway's own origin",
        help: "Comma-separated origins (scheme://host[:port]) browsers may connect from, or *; scheme, host and port must match"
    )
    @Option(GatewayOptions.allowedOrigins) var allowedOrigins: [String]?

    static let maxQueueBytes = OptionDefinition<Int>(
        flag: "max-queue-bytes",
        environment: "GATEWAY_MAX_QUEUE_BYTES",
        kind: .wholeNumber,
        default: 1 << 20,
        requirement: .atLeast(16 * 1024),
        help: "Bytes a client may have queued before it is closed as a slow consumer, code 4008"
    )
    @Option(GatewayOptions.maxQueueBytes) var maxQueueBytes: Int?

    /// Its default depends on the open-file limit: ``GatewayConfiguration/defaultMaxConnections()``.
    static let maxConnections = OptionDefinition<Int>(
        flag: "max-connections",
        environment: "GATEWAY_MAX_CONNECTIONS",
        kind: .wholeNumber,
        defaultDescription: "the open-file limit minus 256",
        requirement: .atLeast(1),
        help: "Most WebSocket connections at once"
    )
    @Option(GatewayOptions.maxConnections) var maxConnections: Int?

    static let pingInterval = OptionDefinition<Duration>(
        flag: "ping-interval",
        environment: "GATEWAY_PING_INTERVAL",
        kind: .duration,
        default: .seconds(25),
        requirement: .atLeast(.milliseconds(100)),
        help: "How often clients are pinged; a client that misses a pong by the next ping is closed"
    )
    @Option(GatewayOptions.pingInterval) var pingInterval: Duration?

    static let handshakeTimeout = OptionDefinition<Duration>(
        flag: "handshake-timeout",
        environment: "GATEWAY_HANDSHAKE_TIMEOUT",
        kind: .duration,
        default: .seconds(10),
        requirement: .moreThanZero,
        help: "Time a new connection has to complete its HTTP request"
    )
    @Option(GatewayOptions.handshakeTimeout) var handshakeTimeout: Duration?

    static let maxFrameBytes = OptionDefinition<Int>(
        flag: "max-frame-bytes",
        environment: "GATEWAY_MAX_FRAME_BYTES",
        kind: .wholeNumber,
        default: 4096,
        requirement: OptionRequirement("must be at least 125 (a control frame)") { $0 >= 125 },
        help: "Largest frame a client may send; clients only send control frames"
    )
    @Option(GatewayOptions.maxFrameBytes) var maxFrameBytes: Int?

    static let drainTimeout = OptionDefinition<Duration>(
        flag: "drain-timeout",
        environment: "GATEWAY_DRAIN_TIMEOUT",
        kind: .duration,
        default: .seconds(5),
        help: "On SIGTERM, how long clients get to answer the 1001 close before they are dropped"
    )
    @Option(GatewayOptions.drainTimeout) var drainTimeout: Duration?

    static let maxBacklog = OptionDefinition<Int>(
        flag: "max-backlog",
        environment: "GATEWAY_MAX_BACKLOG",
        kind: .wholeNumber,
        default: 10_000,
        requirement: .atLeast(0),
        help: "Largest backlog= a client may ask for"
    )
    @Option(GatewayOptions.maxBacklog) var maxBacklog: Int?

    static let maxReplayScan = OptionDefinition<Int>(
        flag: "max-replay-scan",
        environment: "GATEWAY_MAX_REPLAY_SCAN",
        kind: .wholeNumber,
        default: 100_000,
        requirement: .atLeast(1000),
        help:
            "Stream entries one since= or backlog= handshake examines; past it a since= client gets a scan_limit notice and close 4009, and continues from there"
    )
    @Option(GatewayOptions.maxReplayScan) var maxReplayScan: Int?

    static let replayWriteTimeout = OptionDefinition<Duration>(
        flag: "replay-write-timeout",
        environment: "GATEWAY_REPLAY_WRITE_TIMEOUT",
        kind: .duration,
        default: .seconds(10),
        requirement: .atLeast(.milliseconds(100)),
        help: "Time a client has to read one page of replayed history before it is closed as a slow consumer, 4008"
    )
    @Option(GatewayOptions.replayWriteTimeout) var replayWriteTimeout: Duration?

    static let batchWindow = OptionDefinition<Duration>(
        flag: "batch-window",
        environment: "GATEWAY_BATCH_WINDOW",
        kind: .duration,
        default: .milliseconds(5),
        requirement: .atMost(.seconds(1)),
        help: "Under load, events are flushed to clients at most once per this window, several per system call; 0 flushes every event at once"
    )
    @Option(GatewayOptions.batchWindow) var batchWindow: Duration?

    static let redisTimeout = OptionDefinition<Duration>(
        flag: "redis-timeout",
        environment: "REDIS_TIMEOUT",
        kind: .duration,
        default: .seconds(2),
        requirement: .moreThanZero,
        help: "How long to wait for Redis commands (replay reads, heartbeats)"
    )
    @Option(GatewayOptions.redisTimeout) var redisTimeout: Duration?

    static let compression = OptionDefinition<Bool>(
        flag: "compression",
        environment: "GATEWAY_COMPRESSION",
        kind: .onOff,
        default: false,
        help: "Compress events with permessage-deflate for WebSocket clients that offer it, once per event for all of them"
    )
    @Flag(GatewayOptions.compression) var compression = false

    /// Every option of ws-gateway, its own then the shared ones, in `--help` order.
    static let table =
        [host.summary, port.summary] + RedisOptions.table
        + [
            allowedOrigins.summary, maxQueueBytes.summary, maxConnections.summary, pingInterval.summary, handshakeTimeout.summary,
            maxFrameBytes.summary, drainTimeout.summary, maxBacklog.summary, maxReplayScan.summary, replayWriteTimeout.summary,
            batchWindow.summary, redisTimeout.summary, compression.summary,
        ]
        + AccessOptions.table + RedisSentinelOptions.table + LoggingOptions.table

    init() {}
}
