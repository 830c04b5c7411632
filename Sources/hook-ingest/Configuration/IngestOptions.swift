import ArgumentParser

/// hook-ingest's command line. Every option also reads an environment variable; `--help` names both.
struct IngestOptions: ParsableArguments {
    @Option(name: .long, help: "JSON file of webhook registrations (env: INGEST_CONFIG). See the README for the format.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (env: INGEST_HOST, default: 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on; 0 picks a free one (env: INGEST_PORT, default: 8080).")
    var port: Int?

    @Option(name: .long, help: "Redis URL, redis://[[user]:password@]host[:port][/db] (env: REDIS_URL, default: redis://127.0.0.1:6379).")
    var redisURL: String?

    @Option(name: .long, help: "Prefix of every Redis key and channel (env: REDIS_PREFIX, default: mandrill).")
    var redisPrefix: String?

    @Option(name: .long, help: "How long to wait for Redis before answering 503 (env: REDIS_TIMEOUT, default: 1s).")
    var redisTimeout: String?

    @Option(name: .long, help: "Largest accepted request body in bytes; larger gets 413 (env: INGEST_MAX_BODY_BYTES, default: 33554432).")
    var maxBodyBytes: Int?

    @Option(name: .long, help: "Approximate number of events the stream keeps, MAXLEN ~ (env: STREAM_MAXLEN, default: 1000000).")
    var streamMaxlen: Int?

    @Option(name: .long, help: "How long an event's dedup marker lives; keep it past Mandrill's retry horizon (env: DEDUP_TTL, default: 7d).")
    var dedupTTL: String?

    @Option(name: .long, help: "How long a message record lives after its last event; 0 keeps it forever (env: MESSAGE_TTL, default: 30d).")
    var messageTTL: String?

    init() {}
}
