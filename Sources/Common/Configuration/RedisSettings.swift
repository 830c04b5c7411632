/// Resolves the Redis options both processes share (`--redis-url`, `--redis-timeout`, `--redis-prefix` and
/// `REDIS_URL`, `REDIS_TIMEOUT`, `REDIS_PREFIX`): the command line wins, then the environment, then the default.
package enum RedisSettings {
    package static func resolve(
        url: String?,
        timeout: String?,
        prefix: String?,
        sentinel: RedisSentinelOptions? = nil,
        defaultTimeout: Duration,
        environment: EnvironmentValues
    ) throws(ConfigurationError) -> (RedisConfiguration, RedisKeys) {
        var redis = try RedisConfiguration(url: Common.resolve(url, environment.string("REDIS_URL"), default: "redis://127.0.0.1:6379"))
        let timeout = Common.resolve(
            try parseDurationOption(timeout, name: "redis-timeout"),
            try environment.duration("REDIS_TIMEOUT"),
            default: defaultTimeout
        )
        guard timeout > .zero else { throw ConfigurationError("--redis-timeout must be more than zero") }
        redis.commandTimeout = timeout
        redis.connectTimeout = timeout
        let prefix = Common.resolve(prefix, environment.string("REDIS_PREFIX"), default: "mandrill")
        guard !prefix.isEmpty, !prefix.contains(where: \.isWhitespace) else { throw ConfigurationError("--redis-prefix must be a non-empty word") }
        redis.sentinel = try sentinelSet(sentinel, environment: environment)
        return (redis, RedisKeys(prefix: prefix))
    }

    private static func sentinelSet(_ options: RedisSentinelOptions?, environment: EnvironmentValues) throws(ConfigurationError) -> RedisSentinelSet?
    {
        let list = Common.resolve(options?.redisSentinels, environment.string("REDIS_SENTINELS"), default: "")
        let masterName = Common.resolve(options?.redisMasterName, environment.string("REDIS_MASTER_NAME"), default: "mymaster")
        guard !list.isEmpty else { return nil }
        var sentinels: [RedisEndpoint] = []
        for entry in list.split(separator: ",") where !entry.allSatisfy(\.isWhitespace) {
            sentinels.append(try RedisEndpoint(parsing: entry))
        }
        guard !sentinels.isEmpty, sentinels.count <= 32 else { throw ConfigurationError("--redis-sentinels must name from 1 to 32 sentinels") }
        guard Set(sentinels).count == sentinels.count else { throw ConfigurationError("--redis-sentinels names a sentinel twice") }
        guard !masterName.isEmpty, masterName.utf8.count <= 256, !masterName.contains(where: { $0.isWhitespace }) else {
            throw ConfigurationError("--redis-master-name must be a non-empty word")
        }
        let password = environment.string("REDIS_SENTINEL_PASSWORD").flatMap { $0.isEmpty ? nil : $0 }
        return RedisSentinelSet(sentinels: sentinels, masterName: masterName, password: password)
    }
}
