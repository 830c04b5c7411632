import ArgumentParser
import Common
import Foundation
import Logging
import NIOCore
import NIOPosix
import Simulation
import Synchronization

@main
struct WSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ws-bench",
        abstract: "Measures ws-gateway: fan-out throughput, CPU per event, latency, memory per idle connection and under hostile peers.",
        discussion: "scripts/bench.sh starts Redis, the gateway and hook-ingest and runs every measurement; see the README.",
        subcommands: [Fanout.self, Latency.self, Idle.self, SelfTest.self, Abuse.self]
    )
}

struct GatewayOptions: ParsableArguments {
    @Option(help: "Gateway host.") var host = "127.0.0.1"
    @Option(help: "Gateway port.") var port = 8081
    @Option(help: "Gateway process id, to read its CPU time and memory from /proc.") var gatewayPID: Int32?
    @Option(help: "Redis URL the gateway subscribes to.") var redisURL = "redis://127.0.0.1:6379"
    @Option(help: "Client connections.") var clients = 1000
    @Option(help: "Event loops for the clients.") var clientThreads = 1
    @Option(help: "Token every client sends as Authorization: Bearer, for a gateway started with --tokens.") var token: String?
    @Option(
        help:
            "HS256 secret the gateway was started with (--jwt-secrets): every client sends a token minted with it, full access unless fanout --tenants pins it."
    )
    var jwtSecret: String?
    @Option(help: "Prefix of the gateway's Redis keys and channel (its --redis-prefix): events are published to <prefix>:events.")
    var redisPrefix = "mandrill"
    @Flag(
        help:
            "WebSocket clients offer permessage-deflate (Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits); compressed frames are counted, not inflated."
    )
    var compression = false
}

extension GatewayOptions {
    /// Opens `--clients` streams on their own event loops (WebSockets unless `transport` says otherwise) and waits
    /// until every one is live. With `tenants` (needs `--jwt-secret`), client `i` gets a token pinned to subaccount
    /// `tenantName(i % tenants)`.
    /// With `tenantsByQuery`, every client holds the same full-access token and asks for its tenant's subaccount
    /// with `subaccount=` instead: the same groups and deliveries as pinned tokens, so the two runs show what the
    /// tokens themselves cost.
    func openLiveClients(
        measureLatency: Bool,
        transport: BenchTransport? = nil,
        tenants: Int = 0,
        tenantsByQuery: Bool = false
    ) async throws -> (
        MultiThreadedEventLoopGroup, BenchClients
    ) {
        let tokens = try await clientTokens(tenants: tenantsByQuery ? 0 : tenants)
        let queries = tenantsByQuery ? (0..<tenants).map { "subaccount=\(tenantName($0))" } : []
        let transport = transport ?? self.transport(sse: false)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
        let clients = try await BenchClients.open(
            count: self.clients,
            host: host,
            port: port,
            path: transport.path,
            measureLatency: measureLatency,
            group: group,
            transport: transport,
            tokens: tokens,
            queries: queries
        )
        try await waitForControls(clients, count: self.clients)
        return (group, clients)
    }

    /// SSE, or WebSockets that offer permessage-deflate when `--compression` says so.
    func transport(sse: Bool) -> BenchTransport {
        sse ? .sse : .webSocket(offerDeflate: compression)
    }

    var redisKeys: RedisKeys { RedisKeys(prefix: redisPrefix) }

    /// The tokens clients send, cycled over the clients: one per tenant, one full-access token, or none.
    private func clientTokens(tenants: Int) async throws -> [String] {
        guard let jwtSecret else {
            guard tenants == 0 else { throw ValidationError("--tenants needs --jwt-secret (the gateway's --jwt-secrets)") }
            return token.map { [$0] } ?? []
        }
        guard tenants > 0 else { return [try await ReaderTokenMinter.hs256(secret: jwtSecret, lifetime: .seconds(24 * 3600))] }
        var tokens: [String] = []
        for tenant in 0..<tenants {
            let scope = ReaderScope(subaccounts: [tenantName(tenant)])
            tokens.append(try await ReaderTokenMinter.hs256(secret: jwtSecret, scope: scope, lifetime: .seconds(24 * 3600)))
        }
        return tokens
    }
}

/// The subaccount of tenant `index` in `fanout --tenants`.
func tenantName(_ index: Int) -> String { "tenant-\(index)" }

/// Prints one JSON line (for scripts) after the human-readable lines.
func report(_ fields: [(String, String)]) {
    for (name, value) in fields { print("  \(name): \(value)") }
    print("{" + fields.map { "\"\($0.0)\":\(Double($0.1) != nil ? $0.1 : "\"\($0.1)\"")" }.joined(separator: ",") + "}")
}

func percentile(_ sorted: [Int64], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1e6
}

func makeRedis(_ url: String) throws -> RedisClient {
    var configuration = try RedisConfiguration(url: url)
    configuration.commandTimeout = .seconds(10)
    let client = RedisClient(configuration: configuration, logger: Logger(label: "ws-bench"))
    client.start()
    return client
}

struct Latency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Publish-to-client latency at a fixed publication rate (p50/p99/max).")

    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Publications per second.") var rate: Double = 30
    @Option(help: "Seconds to measure.") var seconds = 20
    @Option(help: "Envelope size in bytes.") var payloadBytes = 1024
    @Option(help: "Publish through hook-ingest at this host:port instead of straight to Redis (end to end).") var ingest: String?
    @Option(help: "Webhook path on hook-ingest.") var ingestPath = "/mandrill/events"
    @Option(help: "Signed URL of the webhook registration.") var signedURL = "http://127.0.0.1:8080/mandrill/events"
    @Option(help: "Webhook key.") var key = "bench-key"

    func validate() throws {
        // The publish time is read from each frame's first bytes, which compression hides.
        guard !gateway.compression else { throw ValidationError("latency is measured on plain frames: leave out --compression") }
    }

    func run() async throws {
        let (group, clients) = try await gateway.openLiveClients(measureLatency: true)
        let count = Int(rate * Double(seconds))
        let redis = ingest == nil ? try makeRedis(gateway.redisURL) : nil
        let publisher = Publisher(redis: redis, keys: gateway.redisKeys, payloadBytes: payloadBytes)
        let stats = gateway.gatewayPID.map(ProcessStats.init)
        let before = await FanOutTimeline.sample(port: gateway.port, stats: stats)
        if let ingest {
            let parts = ingest.split(separator: ":")
            try await publisher.postToIngest(
                count: count,
                rate: rate,
                host: String(parts[0]),
                port: Int(parts[1]) ?? 8080,
                path: ingestPath,
                signedURL: signedURL,
                key: key
            )
        } else {
            try await publisher.publishDirect(count: count, rate: rate, window: 1)
        }
        let expected = count * gateway.clients
        let deadline = ContinuousClock.now + .seconds(30)
        while clients.totals.events.load(ordering: .relaxed) < expected && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(50))
        let timeline = await FanOutTimeline.sample(port: gateway.port, stats: stats).fields(since: before, publications: count)
        let latencies = clients.totals.takeLatencies().sorted()
        report(
            [
                ("mode", ingest == nil ? "latency-direct" : "latency-end-to-end"), ("clients", "\(gateway.clients)"),
                ("rate", String(format: "%.0f", rate)),
                ("events_published", "\(count)"), ("delivered", "\(clients.totals.events.load(ordering: .relaxed))"), ("expected", "\(expected)"),
                ("p50_ms", String(format: "%.2f", percentile(latencies, 0.50))), ("p99_ms", String(format: "%.2f", percentile(latencies, 0.99))),
                ("max_ms", String(format: "%.2f", percentile(latencies, 1.0))),
            ] + timeline
        )
        await clients.close()
        await redis?.shutdown()
        try await group.shutdownGracefully()
    }
}

struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Gateway memory per idle connection (RSS before and after opening the clients).")

    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Seconds to let the gateway settle after connecting.") var settle = 3

    func run() async throws {
        guard let pid = gateway.gatewayPID else { throw ValidationError("--gateway-pid is required") }
        let stats = ProcessStats(pid: pid)
        let before = stats.residentKiB() ?? 0
        let cpuBefore = stats.cpuSeconds() ?? 0
        let (group, clients) = try await gateway.openLiveClients(measureLatency: false)
        try await Task.sleep(for: .seconds(settle))
        let after = stats.residentKiB() ?? 0
        let settledCPU = stats.cpuSeconds() ?? 0
        try await Task.sleep(for: .seconds(settle))
        let idleCPU = (stats.cpuSeconds() ?? 0) - settledCPU
        var fields: [(String, String)] = [
            ("mode", "idle"), ("connections", "\(gateway.clients)"), ("rss_before_kib", "\(before)"), ("rss_after_kib", "\(after)"),
            ("kib_per_connection", String(format: "%.2f", Double(after - before) / Double(gateway.clients))),
            ("connect_cpu_seconds", String(format: "%.2f", settledCPU - cpuBefore)),
            ("idle_cpu_us_per_connection_per_second", String(format: "%.3f", idleCPU * 1e6 / Double(gateway.clients) / Double(settle))),
        ]
        // Shows whether the gateway accepted the offers: the figure is meant to compare connections with and without.
        if gateway.compression { fields.append(("deflate_negotiated", "\(clients.totals.deflateNegotiated.load(ordering: .relaxed))")) }
        report(fields)
        await clients.close()
        try await group.shutdownGracefully()
    }
}

/// Waits until every client got its first control message (the stream is live).
func waitForControls(_ clients: BenchClients, count: Int) async throws {
    let deadline = ContinuousClock.now + .seconds(120)
    while clients.totals.controls.load(ordering: .relaxed) < count {
        guard ContinuousClock.now < deadline else {
            throw BenchError("only \(clients.totals.controls.load(ordering: .relaxed)) of \(count) clients went live")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
