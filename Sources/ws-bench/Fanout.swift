import ArgumentParser
import Common
import Foundation
import NIOCore
import NIOPosix
import Synchronization

struct Fanout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every client receives every event: delivered events/s and gateway CPU per delivered event.",
        discussion: """
            With --tenants N (and --jwt-secret), client i holds a token pinned to subaccount tenant-(i % N), and \
            N × --events events are published at N × --rate, round-robin over the N subaccounts: each client still \
            receives --events events, so deliveries equal those of the unfiltered run with the same --clients and \
            --events, and delivered events/s and gateway CPU per delivered event compare directly with it.

            With --sse, the clients read GET /sse/email/ instead of /ws/email/: the same events through the same \
            fan-out, so the two runs compare transports. With --compression, WebSocket clients offer \
            permessage-deflate; run it against a gateway with and without --compression to see what compression \
            costs and saves (wire_bytes_per_event, deflate_negotiated, compressed_events).
            """
    )

    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Events each client receives (published events without --tenants).") var events = 2000
    @Option(help: "Publications per second (× --tenants with tenants); 0 = as fast as Redis takes them.") var rate: Double = 0
    @Option(help: "Envelope size in bytes (padded mix).") var payloadBytes = 1024
    @Option(help: "Events published: padded (synthetic send events of --payload-bytes) or default (every simulator type, inbound included).")
    var mix = EventMix.padded
    @Flag(help: "Clients read Server-Sent Events (GET /sse/email/) instead of WebSockets.") var sse = false
    @Option(help: "Tenants: clients pinned round-robin to N subaccounts by their tokens, events spread over them (needs --jwt-secret).")
    var tenants = 0
    @Flag(help: "With --tenants: clients ask for their subaccount with subaccount= (one full-access token) instead of holding pinned tokens.")
    var tenantsByQuery = false

    func validate() throws {
        guard tenants >= 0 else { throw ValidationError("--tenants must not be negative") }
        guard tenants == 0 || gateway.jwtSecret != nil else { throw ValidationError("--tenants needs --jwt-secret (the gateway's --jwt-secrets)") }
        guard tenants == 0 || mix == .padded else { throw ValidationError("--tenants publishes padded events only") }
        guard !(sse && gateway.compression) else { throw ValidationError("--compression is for WebSocket clients, not --sse") }
    }

    func run() async throws {
        let transport = gateway.transport(sse: sse)
        let (group, clients) = try await gateway.openLiveClients(
            measureLatency: false,
            transport: transport,
            tenants: tenants,
            tenantsByQuery: tenantsByQuery
        )
        let redis = try makeRedis(gateway.redisURL)
        var publisher = Publisher(redis: redis, keys: gateway.redisKeys, payloadBytes: payloadBytes, mix: mix)
        publisher.subaccounts = (0..<tenants).map(tenantName)
        let published = events * max(1, tenants)
        let stats = gateway.gatewayPID.map(ProcessStats.init)
        let wireBytesBefore = clients.totals.wireBytes.load(ordering: .relaxed)
        let cpuBefore = stats?.cpuSeconds()
        let started = ContinuousClock.now
        let publishedBytes = try await publisher.publishDirect(count: published, rate: rate * Double(max(1, tenants)))
        let expected = expectedDeliveries(published: published)
        try await waitForDeliveries(expected, clients: clients)
        let elapsed = ContinuousClock.now - started
        let cpuAfter = stats?.cpuSeconds()
        let delivered = clients.totals.events.load(ordering: .relaxed)
        let wireBytes = clients.totals.wireBytes.load(ordering: .relaxed) - wireBytesBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if tenants > 0 {
            let fewest = gateway.clients / tenants
            let most = (gateway.clients + tenants - 1) / tenants
            print(
                "fan-out with \(tenants) tenants: \(published) events published (\(tenants) × \(events)), each to the \(fewest == most ? "\(most)" : "\(fewest)–\(most)") clients of its tenant;"
            )
            print(
                "compare delivered_per_second and gateway_cpu_us_per_delivered with the unfiltered run of --clients \(gateway.clients) --events \(events) (the same \(expected) deliveries)"
            )
        }
        var fields: [(String, String)] = [
            ("mode", tenants == 0 ? "fanout" : tenantsByQuery ? "fanout-tenants-by-query" : "fanout-tenants"), ("clients", "\(gateway.clients)"),
        ]
        if tenants > 0 { fields.append(("tenants", "\(tenants)")) }
        fields += [
            ("transport", transport.name), ("mix", mix.rawValue),
            ("events_published", "\(published)"), ("envelope_bytes_mean", String(format: "%.0f", Double(publishedBytes) / Double(max(1, published)))),
            ("expected_deliveries", "\(expected)"), ("delivered", "\(delivered)"), ("lost", "\(expected - delivered)"),
            ("closed_connections", "\(clients.totals.closed.load(ordering: .relaxed))"),
            ("seconds", String(format: "%.3f", seconds)), ("delivered_per_second", String(format: "%.0f", Double(delivered) / seconds)),
        ]
        if delivered > 0 {
            fields.append(("wall_us_per_delivered", String(format: "%.3f", seconds * 1e6 / Double(delivered))))
            fields.append(("wire_bytes_per_event", String(format: "%.1f", Double(wireBytes) / Double(delivered))))
        }
        if case .webSocket(offerDeflate: true) = transport {
            fields.append(("deflate_negotiated", "\(clients.totals.deflateNegotiated.load(ordering: .relaxed))"))
            fields.append(("compressed_events", "\(clients.totals.compressedEvents.load(ordering: .relaxed))"))
        }
        if let cpuBefore, let cpuAfter, delivered > 0 {
            fields.append(("gateway_cpu_seconds", String(format: "%.2f", cpuAfter - cpuBefore)))
            fields.append(("gateway_cpu_us_per_delivered", String(format: "%.3f", (cpuAfter - cpuBefore) * 1e6 / Double(delivered))))
        }
        report(fields)
        await clients.close()
        await redis.shutdown()
        try await group.shutdownGracefully()
    }

    /// Waits until `expected` events arrived, or until none arrived for a while: a client the gateway closed as a
    /// slow consumer (when the load generator was starved of CPU) never gets the rest, and waiting out the whole
    /// deadline would only make a run whose figures say nothing take minutes.
    private func waitForDeliveries(_ expected: Int, clients: BenchClients) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        var seen = 0
        var lastProgress = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let delivered = clients.totals.events.load(ordering: .relaxed)
            guard delivered < expected else { return }
            if delivered > seen {
                seen = delivered
                lastProgress = .now
            } else if clients.totals.closed.load(ordering: .relaxed) > 0 && ContinuousClock.now - lastProgress > .seconds(5) {
                return
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Every client receives every event, or, with tenants, the events of its own tenant: client `i` is in tenant
    /// `i % tenants`, and event `n` belongs to tenant `n % tenants`.
    private func expectedDeliveries(published: Int) -> Int {
        guard tenants > 0 else { return published * gateway.clients }
        return (0..<tenants).reduce(0) { total, tenant in
            let clientsOfTenant = gateway.clients / tenants + (tenant < gateway.clients % tenants ? 1 : 0)
            let eventsOfTenant = published / tenants + (tenant < published % tenants ? 1 : 0)
            return total + clientsOfTenant * eventsOfTenant
        }
    }
}
