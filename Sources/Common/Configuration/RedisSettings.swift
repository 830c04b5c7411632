/// Resolves the Redis options both processes share (`--redis-url`, `--redis-timeout`, `--redis-prefix` and
/// `REDIS_URL`, `REDIS_TIMEOUT`, `REDIS_PREFIX`): the command line wins, then the environment, then the default.
package enum RedisSettings {
    package static func resolve(
        url: String?,
        timeout: String?,
        prefix: String?,
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
        return (redis, RedisKeys(prefix: prefix))
    }
}
