import ArgumentParser

/// ws-gateway's command line. Every option also reads an environment variable; `--help` names both.
struct GatewayOptions: ParsableArguments {
    @Option(name: .long, help: "Address to listen on (env: GATEWAY_HOST, default: 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on; 0 picks a free one (env: GATEWAY_PORT, default: 8081).")
    var port: Int?

    @Option(name: .long, help: "Redis URL, redis://[[user]:password@]host[:port][/db] (env: REDIS_URL, default: redis://127.0.0.1:6379).")
    var redisURL: String?

    @Option(name: .long, help: "Prefix of every Redis key and channel (env: REDIS_PREFIX, default: mandrill).")
    var redisPrefix: String?

    @Option(
        name: .long,
        help:
            "Comma-separated origins (scheme://host[:port]) browsers may connect from, or *; scheme, host and port must match (env: GATEWAY_ALLOWED_ORIGINS, default: the gateway's own origin)."
    )
    var allowedOrigins: String?

    @Option(
        name: .long,
        help: "Bytes a client may have queued before it is closed as a slow consumer, code 4008 (env: GATEWAY_MAX_QUEUE_BYTES, default: 1048576)."
    )
    var maxQueueBytes: Int?

    @Option(name: .long, help: "Most WebSocket connections at once (env: GATEWAY_MAX_CONNECTIONS, default: the open-file limit minus 256).")
    var maxConnections: Int?

    @Option(
        name: .long,
        help: "How often clients are pinged; a client that misses a pong by the next ping is closed (env: GATEWAY_PING_INTERVAL, default: 25s)."
    )
    var pingInterval: String?

    @Option(name: .long, help: "Time a new connection has to complete its HTTP request (env: GATEWAY_HANDSHAKE_TIMEOUT, default: 10s).")
    var handshakeTimeout: String?

    @Option(name: .long, help: "Largest frame a client may send; clients only send control frames (env: GATEWAY_MAX_FRAME_BYTES, default: 4096).")
    var maxFrameBytes: Int?

    @Option(
        name: .long,
        help: "On SIGTERM, how long clients get to answer the 1001 close before they are dropped (env: GATEWAY_DRAIN_TIMEOUT, default: 5s)."
    )
    var drainTimeout: String?

    @Option(name: .long, help: "Largest backlog= a client may ask for (env: GATEWAY_MAX_BACKLOG, default: 10000).")
    var maxBacklog: Int?

    @Option(
        name: .long,
        help:
            "Stream entries one since= or backlog= handshake examines; past it a since= client gets a scan_limit notice and close 4009, and continues from there (env: GATEWAY_MAX_REPLAY_SCAN, default: 100000)."
    )
    var maxReplayScan: Int?

    @Option(
        name: .long,
        help:
            "Time a client has to read one page of replayed history before it is closed as a slow consumer, 4008 (env: GATEWAY_REPLAY_WRITE_TIMEOUT, default: 10s)."
    )
    var replayWriteTimeout: String?

    @Option(
        name: .long,
        help:
            "Under load, events are flushed to clients at most once per this window, several per system call; 0 flushes every event at once (env: GATEWAY_BATCH_WINDOW, default: 5ms)."
    )
    var batchWindow: String?

    @Option(name: .long, help: "How long to wait for Redis commands (replay reads, heartbeats) (env: REDIS_TIMEOUT, default: 2s).")
    var redisTimeout: String?

    @Flag(
        name: .long,
        help:
            "Compress events with permessage-deflate for WebSocket clients that offer it, once per event for all of them (env: GATEWAY_COMPRESSION=1, default: off)."
    )
    var compression = false

    init() {}
}
