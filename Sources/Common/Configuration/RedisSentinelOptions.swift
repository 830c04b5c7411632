package import ArgumentParser

/// Redis behind Sentinel, shared by both processes (see "Redis high availability" in the README). The sentinels'
/// password is read from `REDIS_SENTINEL_PASSWORD` only, so that it never shows in a process list.
package struct RedisSentinelOptions: ParsableArguments, Sendable {
    package static let sentinels = OptionDefinition<String>(
        flag: "redis-sentinels",
        environment: "REDIS_SENTINELS",
        kind: .text,
        defaultDescription: "none, connect to --redis-url",
        help:
            "Comma-separated sentinels, host:port each; the primary is asked of them and followed across failovers, and --redis-url then gives only password and database"
    )
    @Option(RedisSentinelOptions.sentinels) package var redisSentinels: String?

    package static let masterName = OptionDefinition<String>(
        flag: "redis-master-name",
        environment: "REDIS_MASTER_NAME",
        kind: .text,
        default: "mymaster",
        requirement: .word(maxBytes: 256),
        help: "The master name the sentinels watch"
    )
    @Option(RedisSentinelOptions.masterName) package var redisMasterName: String?

    package static let password = OptionDefinition<String>(
        flag: nil,
        environment: "REDIS_SENTINEL_PASSWORD",
        kind: .text,
        secret: true,
        help: "the sentinels' own password (requirepass)"
    )

    package static let table = [sentinels.summary, masterName.summary, password.summary]

    package init() {}
}
