import Common
import Hummingbird

/// The gateway's own HTTP routes: the dashboard, and an explanation for a plain GET of the WebSocket endpoint
/// (``HealthController`` adds health, readiness and metrics).
struct GatewayController: Sendable {
    let streams: GatewayStreams

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
