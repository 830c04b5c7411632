import Common
import Hummingbird

/// `/healthz` (the process answers), `/readyz` (Redis answers too) and `/metrics` (Prometheus text).
struct HealthController: Sendable {
    let redis: RedisClient
    let metrics: IngestMetrics

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in Response.json(.ok, "{\"status\":\"ok\"}") }
        router.get("/readyz") { _, _ in await readiness() }
        router.get("/metrics") { _, _ in
            metrics.redisUp.set(to: redis.isConnected ? 1 : 0)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer()))
            )
        }
    }

    func readiness() async -> Response {
        do {
            _ = try await redis.send("PING")
            return .json(.ok, "{\"status\":\"ready\",\"redis\":\"up\"}")
        } catch {
            return .json(.serviceUnavailable, "{\"status\":\"not ready\",\"redis\":\"down\"}")
        }
    }
}
