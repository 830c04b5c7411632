package import ArgumentParser

/// Redis behind Sentinel, shared by both processes (see "Redis high availability" in the README). The sentinels'
/// password is read from `REDIS_SENTINEL_PASSWORD` only, so that it never shows in a process list.
package struct RedisSentinelOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help:
            "Comma-separated sentinels, host:port each; the primary is asked of them and followed across failovers, and --redis-url then gives only password and database (env: REDIS_SENTINELS, default: none, connect to --redis-url)."
    )
    package var redisSentinels: String?

    @Option(name: .long, help: "The master name the sentinels watch (env: REDIS_MASTER_NAME, default: mymaster).")
    package var redisMasterName: String?

    package init() {}
}
