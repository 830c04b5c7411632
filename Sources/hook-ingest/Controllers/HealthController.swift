import Common
import Hummingbird
import Prometheus

/// `/healthz` (the process answers), `/readyz` (Redis answers too) and `/metrics` (Prometheus text).
struct HealthController: Sendable {
    let redis: RedisClient
    let metrics: IngestMetrics
    /// With `--redis-min-replicas-ack`, ready also needs that many replicas connected to the primary.
    var replication = ReplicaAcknowledgement()

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
        guard replication.required > 0 else {
            do {
                _ = try await redis.send("PING")
                return .json(.ok, "{\"status\":\"ready\",\"redis\":\"up\"}")
            } catch {
                return .json(.serviceUnavailable, "{\"status\":\"not ready\",\"redis\":\"down\"}")
            }
        }
        let required = replication.required
        do {
            // On a primary: ["master", offset, [[host, port, offset], …]], one entry per connected replica.
            let role = try await redis.send("ROLE")
            let replicas = role.array?.count == 3 ? role.array?[2].array?.count ?? 0 : 0
            let ready = replicas >= required
            return .json(
                ready ? .ok : .serviceUnavailable,
                "{\"status\":\"\(ready ? "ready" : "not ready")\",\"redis\":\"up\",\"replicas\":\(replicas),\"replicas_required\":\(required)}"
            )
        } catch {
            return .json(.serviceUnavailable, "{\"status\":\"not ready\",\"redis\":\"down\",\"replicas\":0,\"replicas_required\":\(required)}")
        }
    }
}
