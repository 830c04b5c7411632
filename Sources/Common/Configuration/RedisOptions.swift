package import ArgumentParser

/// The Redis both processes use: `--redis-url` and `--redis-prefix` (`--redis-timeout` has a default of each process's
/// own, in its options).
package struct RedisOptions: ParsableArguments, Sendable {
    package static let url = OptionDefinition<String>(
        flag: "redis-url",
        environment: "REDIS_URL",
        kind: .text,
        default: "redis://127.0.0.1:6379",
        secret: true,
        help: "Redis URL, redis://[[user]:password@]host[:port][/db]"
    )
    @Option(RedisOptions.url) package var redisURL: String?

    package static let prefix = OptionDefinition<String>(
        flag: "redis-prefix",
        environment: "REDIS_PREFIX",
        kind: .text,
        default: "mandrill",
        requirement: .word(),
        help: "Prefix of every Redis key and channel"
    )
    @Option(RedisOptions.prefix) package var redisPrefix: String?

    package static let table = [url.summary, prefix.summary]

    package init() {}
}
