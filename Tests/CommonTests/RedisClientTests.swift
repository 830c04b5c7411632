import Common
import Logging
import Synchronization
import TestSupport
import Testing

@Suite("Redis layer against a real redis-server")
struct RedisClientTests {
    private func client(_ server: RedisServer, commandTimeout: Duration = .seconds(2)) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = commandTimeout
        let client = RedisClient(configuration: configuration, logger: Logger(label: "test"))
        client.start()
        return client
    }

    @Test("commands get their replies, pipelined and in order")
    func pipelinedCommands() async throws {
        let server = try await RedisServer()
        let client = try client(server)
        #expect(try await client.send("PING") == .status("PONG"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    _ = try await client.send("SET", "k\(index)", "v\(index)")
                    #expect(try await client.send("GET", "k\(index)").string == "v\(index)")
                }
            }
            try await group.waitForAll()
        }
        var binary = RedisCommand("SET", "bin")
        binary.append(bytes: [0, 255, 10, 13, 0])
        _ = try await client.send(binary)
        #expect(try await client.send("GET", "bin") == .bulk([0, 255, 10, 13, 0]))
        #expect(try await client.send("GET", "missing") == .null)
        await client.shutdown()
    }

    @Test("a host name is resolved off the loop thread, and an unknown one fails as a connection error")
    func hostNames() async throws {
        let server = try await RedisServer()
        #expect(RedisHostResolver.isNumeric("127.0.0.1") && RedisHostResolver.isNumeric("::1"))
        #expect(!RedisHostResolver.isNumeric("localhost"))
        var configuration = try RedisConfiguration(url: "redis://localhost:\(server.port)")
        configuration.commandTimeout = .seconds(5)
        let client = RedisClient(configuration: configuration, logger: Logger(label: "test"))
        client.start()
        #expect(try await client.send("PING") == .status("PONG"))
        await client.shutdown()
        var unknown = try RedisConfiguration(url: "redis://no-such-host.invalid:6379")
        unknown.commandTimeout = .milliseconds(500)
        unknown.connectTimeout = .seconds(5)
        let failing = RedisClient(configuration: unknown, logger: Logger(label: "test"))
        failing.start()
        await #expect(throws: RedisError.self) { try await failing.send("PING") }
        await failing.shutdown()
    }

    @Test("an error reply is thrown as a server error")
    func errorReply() async throws {
        let server = try await RedisServer()
        let client = try client(server)
        let error = await #expect(throws: RedisError.self) { try await client.send("INCR", "a", "b", "c") }
        #expect(error?.isServerError == true)
        await client.shutdown()
    }

    @Test("a command without a reply in time fails with a timeout, and the client recovers")
    func commandTimeout() async throws {
        let server = try await RedisServer()
        let client = try client(server, commandTimeout: .milliseconds(300))
        let other = server.client()
        _ = try await other.send("PING")
        _ = try await client.send("PING")
        // Every other client is frozen for 1.5 s: our GET cannot be answered in time.
        _ = try await other.send("CLIENT", "PAUSE", "1500", "ALL")
        let error = await #expect(throws: RedisError.self) { try await client.send("GET", "x") }
        #expect(error?.isUnavailable == true)
        try await waitUntil("the client to work again") { (try? await client.send("PING")) == .status("PONG") }
        await client.shutdown()
        await other.shutdown()
    }

    @Test("Redis killed: commands fail as unavailable; after a restart they work again")
    func reconnectAfterRestart() async throws {
        let server = try await RedisServer()
        let client = try client(server, commandTimeout: .milliseconds(500))
        _ = try await client.send("SET", "a", "1")
        await server.kill()
        let error = await #expect(throws: RedisError.self) { try await client.send("GET", "a") }
        #expect(error?.isUnavailable == true)
        #expect(!client.isConnected)
        try await server.start()
        try await waitUntil("the client to reconnect") { (try? await client.send("PING")) == .status("PONG") }
        #expect(client.isConnected)
        await client.shutdown()
    }

    @Test("commands sent while reconnecting wait for the connection, within their timeout")
    func queuedWhileConnecting() async throws {
        let server = try await RedisServer()
        await server.stop()
        let client = try client(server, commandTimeout: .seconds(10))
        async let reply = client.send("PING")
        try await Task.sleep(for: .milliseconds(300))
        try await server.start()
        #expect(try await reply == .status("PONG"))
        await client.shutdown()
    }

    @Test("passwords and databases from the URL are used")
    func authAndDatabase() async throws {
        let server = try await RedisServer(arguments: ["--requirepass", "s3cret"])
        let authed = RedisClient(
            configuration: try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/2"),
            logger: Logger(label: "test")
        )
        authed.start()
        _ = try await authed.send("SET", "where", "db2")
        #expect(try await authed.send("CLIENT", "INFO").string?.contains("db=2") == true)
        let wrong = RedisClient(configuration: try RedisConfiguration(url: "redis://:nope@127.0.0.1:\(server.port)"), logger: Logger(label: "test"))
        wrong.start()
        let error = await #expect(throws: RedisError.self) { try await wrong.send("GET", "where") }
        #expect(error?.isServerError == true)
        await authed.shutdown()
        await wrong.shutdown()
    }

    @Test("closed clients fail fast")
    func closedClient() async throws {
        let server = try await RedisServer()
        let client = try client(server)
        await client.shutdown()
        await #expect(throws: RedisError.closed) { try await client.send("PING") }
    }

    @Test("a subscription delivers messages, and subscribes again after Redis restarts")
    func subscription() async throws {
        let server = try await RedisServer()
        let received = Mutex<[String]>([])
        let subscribedCount = Mutex(0)
        let subscriber = RedisSubscriber(
            configuration: try RedisConfiguration(url: server.url),
            channels: ["c1", "c2"],
            logger: Logger(label: "test"),
            onMessage: { channel, payload in
                let text = String(decoding: channel, as: UTF8.self) + "=" + String(decoding: payload, as: UTF8.self)
                received.withLock { $0.append(text) }
            },
            onStatus: { status in
                if case .subscribed = status { subscribedCount.withLock { $0 += 1 } }
            }
        )
        subscriber.start()
        let publisher = server.client()
        try await waitUntil("the first subscription") { subscribedCount.withLock { $0 } == 1 }
        _ = try await publisher.send("PUBLISH", "c1", "one")
        _ = try await publisher.send("PUBLISH", "c2", "two")
        _ = try await publisher.send("PUBLISH", "other", "ignored")
        try await waitUntil("two messages") { received.withLock { $0.count } == 2 }
        await server.kill()
        try await server.start()
        try await waitUntil("the subscription to come back") { subscribedCount.withLock { $0 } == 2 }
        try await waitUntil("the publisher to reconnect") { (try? await publisher.send("PUBLISH", "c1", "three")) == .integer(1) }
        try await waitUntil("the message after the restart") { received.withLock { $0.count } == 3 }
        #expect(received.withLock { $0 } == ["c1=one", "c2=two", "c1=three"])
        await subscriber.shutdown()
        await publisher.shutdown()
    }

    @Test("a recycled subscription reports the drop before it is subscribed again (what was published meanwhile was missed)")
    func recycledSubscription() async throws {
        let server = try await RedisServer()
        let statuses = Mutex<[String]>([])
        let subscriber = RedisSubscriber(
            configuration: try RedisConfiguration(url: server.url),
            channels: ["c1"],
            logger: Logger(label: "test"),
            onMessage: { _, _ in },
            onStatus: { status in
                let name =
                    switch status {
                    case .subscribed: "subscribed"
                    case .dropped: "dropped"
                    }
                statuses.withLock { $0.append(name) }
            }
        )
        subscriber.start()
        try await waitUntil("the first subscription") { statuses.withLock { $0 } == ["subscribed"] }
        subscriber.recycle(reason: "test")
        try await waitUntil("the subscription to come back (\(statuses.withLock { $0 }))") {
            statuses.withLock { $0.count >= 2 && $0.last == "subscribed" }
        }
        #expect(statuses.withLock { $0 } == ["subscribed", "dropped", "subscribed"])
        await subscriber.shutdown()
    }
}

@Suite("Redis URLs")
struct RedisURLTests {
    @Test("parts are read and the password never shows in the redacted form")
    func parse() throws {
        let configuration = try RedisConfiguration(url: "redis://user:p%40ss@redis.internal:6380/3")
        #expect(configuration.host == "redis.internal")
        #expect(configuration.port == 6380)
        #expect(configuration.username == "user")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == 3)
        #expect(!configuration.redactedURL.contains("p@ss"))
        #expect(try RedisConfiguration(url: "redis://localhost").port == 6379)
        #expect(try RedisConfiguration(url: "redis://:pw@[::1]:7000").host == "::1")
        // A combining mark after the password must not hide the `@` (found by fuzzing: the password was logged).
        let marked = try RedisConfiguration(url: "redis://user:secret\u{0605}@redis.example.com:6379")
        #expect(marked.host == "redis.example.com" && marked.password == "secret\u{0605}")
        #expect(!marked.redactedURL.contains("secret"))
        #expect(throws: ConfigurationError.self) { try RedisConfiguration(url: "redis://a]:b:80") }
        #expect(throws: ConfigurationError.self) { try RedisConfiguration(url: "redis://[::1]x:80") }
    }

    @Test("bad URLs are refused with a clear message", arguments: ["http://x", "redis://h:0", "redis://h:99999", "redis://h/x", "redis://h:abc"])
    func bad(url: String) {
        #expect(throws: ConfigurationError.self) { try RedisConfiguration(url: url) }
    }
}
