import Common
import HTTPServing

extension HealthController.Readiness {
    /// hook-ingest is ready when Redis answers, and with `--redis-min-replicas-ack` when that many replicas are
    /// connected to the primary as well (a batch would otherwise be stored and still answered 503).
    static func redis(_ redis: RedisClient, replication: ReplicaAcknowledgement) async -> Self {
        guard replication.required > 0 else {
            do {
                _ = try await redis.send("PING")
                return Self(isReady: true, json: "{\"status\":\"ready\",\"redis\":\"up\"}")
            } catch {
                return Self(isReady: false, json: "{\"status\":\"not ready\",\"redis\":\"down\"}")
            }
        }
        let required = replication.required
        do {
            // On a primary: ["master", offset, [[host, port, offset], …]], one entry per connected replica.
            let role = try await redis.send("ROLE")
            let replicas = role.array?.count == 3 ? role.array?[2].array?.count ?? 0 : 0
            let ready = replicas >= required
            return Self(
                isReady: ready,
                json: "{\"status\":\"\(ready ? "ready" : "not ready")\",\"redis\":\"up\",\"replicas\":\(replicas),\"replicas_required\":\(required)}"
            )
        } catch {
            return Self(isReady: false, json: "{\"status\":\"not ready\",\"redis\":\"down\",\"replicas\":0,\"replicas_required\":\(required)}")
        }
    }
}
