/// Resolves the Redis options both processes share (``RedisOptions``, ``RedisSentinelOptions`` and each process's
/// `--redis-timeout`): the command line wins, then the environment, then the default.
package enum RedisSettings {
    package static func resolve(
        _ options: RedisOptions,
        timeout: Duration,
        sentinel: RedisSentinelOptions? = nil,
        environment: EnvironmentValues
    ) throws(ConfigurationError) -> (RedisConfiguration, RedisKeys) {
        var redis = try RedisConfiguration(url: RedisOptions.url.resolve(options.redisURL, in: environment))
        redis.commandTimeout = timeout
        redis.connectTimeout = timeout
        let prefix = try RedisOptions.prefix.resolve(options.redisPrefix, in: environment)
        redis.sentinel = try sentinelSet(sentinel, environment: environment)
        return (redis, RedisKeys(prefix: prefix))
    }

    private static func sentinelSet(_ options: RedisSentinelOptions?, environment: EnvironmentValues) throws(ConfigurationError) -> RedisSentinelSet?
    {
        let list = try RedisSentinelOptions.sentinels.value(options?.redisSentinels, in: environment) ?? ""
        let masterName = try RedisSentinelOptions.masterName.resolve(options?.redisMasterName, in: environment)
        guard !list.isEmpty else { return nil }
        var sentinels: [RedisEndpoint] = []
        for entry in list.split(separator: ",") where !entry.allSatisfy(\.isWhitespace) {
            sentinels.append(try RedisEndpoint(parsing: entry))
        }
        guard !sentinels.isEmpty, sentinels.count <= 32 else { throw ConfigurationError("--redis-sentinels must name from 1 to 32 sentinels") }
        guard Set(sentinels).count == sentinels.count else { throw ConfigurationError("--redis-sentinels names a sentinel twice") }
        let password = try RedisSentinelOptions.password.value(nil, in: environment)
        return RedisSentinelSet(sentinels: sentinels, masterName: masterName, password: password)
    }
}
