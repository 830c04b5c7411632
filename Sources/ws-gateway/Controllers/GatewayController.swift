import Common
import Hummingbird

/// The gateway's HTTP routes: the dashboard, health, metrics, and explanations for refused WebSocket upgrades.
struct GatewayController: Sendable {
    let streams: GatewayStreams
    let subscription: SubscriptionService
    let metrics: GatewayMetrics

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/") { _, _ in DashboardPage.response() }
        router.get("/healthz") { _, _ in Response.json(.ok, "{\"status\":\"ok\"}") }
        router.get("/readyz") { _, _ in
            subscription.isHealthy
                ? Response.json(.ok, "{\"status\":\"ready\",\"subscription\":\"live\"}")
                : Response.json(.serviceUnavailable, "{\"status\":\"not ready\",\"subscription\":\"down\"}")
        }
        router.get("/metrics") { _, _ in
            metrics.connections.set(to: Double(streams.admission.openConnections))
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer()))
            )
        }
        // Reached only when the upgrade was refused (or was not an upgrade): say why.
        router.get(RouterPath(GatewayStreams.path)) { request, _ in refusal(for: request) }
    }

    func refusal(for request: Request) -> Response {
        let decision = streams.admission.evaluate(path: request.uri.path, query: request.uri.query, headers: request.headers, host: request.head.authority)
        let (status, reason): (HTTPResponse.Status, String)
        switch decision {
        case .refuse(let refusedStatus, let refusedReason):
            (status, reason) = (refusedStatus, refusedReason)
        case .accept:
            if request.headers[.upgrade]?.lowercased() != "websocket" {
                (status, reason) = (.upgradeRequired, "this endpoint speaks WebSocket only")
            } else if streams.admission.openConnections >= streams.admission.maxConnections {
                (status, reason) = (.serviceUnavailable, "gateway at capacity: try another instance or later")
            } else {
                (status, reason) = (.badRequest, "invalid WebSocket handshake")
            }
        }
        metrics.rejected(reason: String(status.code))
        var body = Array("{\"error\":".utf8)
        JSONString.append(reason, to: &body)
        body.append(UInt8(ascii: "}"))
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .upgradeRequired {
            headers[.upgrade] = "websocket"
            headers[.connection] = "Upgrade"
        }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Response {
    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
