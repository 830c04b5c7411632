import Common
import Hummingbird
import Prometheus

/// The gateway's HTTP routes: the dashboard, health, metrics, and explanations for refused WebSocket upgrades.
struct GatewayController: Sendable {
    let streams: GatewayStreams
    let subscription: SubscriptionService
    let metrics: GatewayMetrics

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/") { request, _ in
            // The page itself holds no events, but a rebinding page must not get it from this origin either.
            do throws(AccessPolicy.Refusal) {
                try streams.admission.access.checkHost(request.head.authority)
            } catch {
                return Response(
                    status: error.status,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: GatewayStreams.errorBody(error.message))
                )
            }
            return DashboardPage.response()
        }
        router.get("/healthz") { _, _ in Response.json(.ok, "{\"status\":\"ok\"}") }
        router.get("/readyz") { _, _ in
            // stream_rollbacks: re-subscriptions after which events this gateway had delivered were missing from
            // the stream (a failover lost writes that were never acknowledged); see "Redis high availability".
            let rollbacks = subscription.streamRollbacks
            return subscription.isHealthy
                ? Response.json(.ok, "{\"status\":\"ready\",\"subscription\":\"live\",\"stream_rollbacks\":\(rollbacks)}")
                : Response.json(.serviceUnavailable, "{\"status\":\"not ready\",\"subscription\":\"down\",\"stream_rollbacks\":\(rollbacks)}")
        }
        router.get("/metrics") { _, _ in
            metrics.connections.set(to: Double(streams.admission.openConnections))
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer()))
            )
        }
        // Upgrade requests never reach the router (see GatewayChildChannel); a plain GET is a browser opening the URL.
        router.get(RouterPath(GatewayStreams.path)) { _, _ in
            Response(
                status: .upgradeRequired,
                headers: [.contentType: "application/json", .upgrade: "websocket", .connection: "Upgrade"],
                body: .init(byteBuffer: GatewayStreams.errorBody("this endpoint speaks WebSocket only: connect with a WebSocket client"))
            )
        }
    }
}

extension Response {
    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
