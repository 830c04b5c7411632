import ArgumentParser
import Common
import Testing

@Suite("Redis Sentinel: options and announcements")
struct SentinelConfigurationTests {
    private func resolve(
        sentinels: String? = nil,
        masterName: String? = nil,
        environment: [String: String] = [:]
    ) throws -> RedisConfiguration {
        var arguments: [String] = []
        if let sentinels { arguments += ["--redis-sentinels", sentinels] }
        if let masterName { arguments += ["--redis-master-name", masterName] }
        // A value the argument parser refuses (an empty master name) stops the process before any configuration is
        // built: here it is reported like the refusals that come later.
        let options: RedisSentinelOptions
        do {
            options = try RedisSentinelOptions.parse(arguments)
        } catch {
            throw ConfigurationError(RedisSentinelOptions.message(for: error))
        }
        return try RedisSettings.resolve(
            try RedisOptions.parse(["--redis-url", "redis://:secret@127.0.0.1:6379/2"]),
            timeout: .seconds(1),
            sentinel: options,
            environment: EnvironmentValues(environment)
        ).0
    }

    @Test("sentinels come from the flag or REDIS_SENTINELS, with the master name, password and database")
    func parsed() throws {
        let redis = try resolve(sentinels: "10.0.0.1:26379, sentinel-b ,[::1]:26380", masterName: "events")
        let set = try #require(redis.sentinel)
        #expect(set.sentinels.map(\.description) == ["10.0.0.1:26379", "sentinel-b:26379", "[::1]:26380"])
        #expect(set.masterName == "events")
        #expect(redis.password == "secret" && redis.database == 2, "the URL still gives password and database")
        #expect(!redis.logDescription.contains("secret"))

        let fromEnvironment = try resolve(environment: ["REDIS_SENTINELS": "127.0.0.1:1", "REDIS_SENTINEL_PASSWORD": "sentinel-secret"])
        #expect(fromEnvironment.sentinel?.masterName == "mymaster")
        #expect(
            fromEnvironment.sentinel
                == RedisSentinelSet(sentinels: [RedisEndpoint(host: "127.0.0.1", port: 1)], masterName: "mymaster", password: "sentinel-secret")
        )
        #expect(!fromEnvironment.logDescription.contains("sentinel-secret"))
        #expect(try resolve().sentinel == nil, "no sentinels: --redis-url is the server")
    }

    @Test("bad sentinel lists and master names are refused at start")
    func refused() {
        for (sentinels, masterName) in [
            ("127.0.0.1:0", "m"), ("127.0.0.1:70000", "m"), ("host:port", "m"), (":26379", "m"), ("a:1,a:1", "m"), (" , ", "m"),
            ("[::1:26379", "m"), ("a:1", ""), ("a:1", "two words"), ("a\u{85}b:1", "m"), ("a\u{A0}:1", "m"),
        ] {
            #expect(throws: ConfigurationError.self, "\(sentinels) \(masterName)") { try resolve(sentinels: sentinels, masterName: masterName) }
        }
    }

    @Test("+switch-master announcements name the new primary of our master only")
    func announcements() {
        func parse(_ text: String) -> RedisEndpoint? {
            Array(text.utf8).withUnsafeBytes { SentinelWatcher.newPrimary(in: $0, masterName: "mymaster") }
        }
        #expect(parse("mymaster 127.0.0.1 6379 127.0.0.1 6380") == RedisEndpoint(host: "127.0.0.1", port: 6380))
        #expect(parse("other 127.0.0.1 6379 127.0.0.1 6380") == nil)
        for bad in [
            "", "mymaster", "mymaster 1 2 3", "mymaster a 1 b 0", "mymaster a 1 b x", "mymaster a 1 b 1 extra", "mymaster  a 1 b 1",
            " mymaster a 1 b 1",
        ] {
            #expect(parse(bad) == nil, "\(bad)")
        }
        // The name is matched as bytes: another spelling of an equivalent name is another master.
        let precomposed = Array("caf\u{E9} a 1 b 2".utf8).withUnsafeBytes { SentinelWatcher.newPrimary(in: $0, masterName: "cafe\u{301}") }
        #expect(precomposed == nil)
        // A combining mark right after the space does not hide the name (the fuzz target's finding).
        #expect(parse("mymaster \u{5A2}a 1 b 2") == RedisEndpoint(host: "b", port: 2))
    }
}
