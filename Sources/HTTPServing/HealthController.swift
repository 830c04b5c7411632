import HTTPTypes
package import Hummingbird
import NIOCore
package import Prometheus

/// `/healthz` (the process answers), `/readyz` (what the process needs answers too) and `/metrics` (Prometheus
/// text), the same for every process; only what "ready" means differs.
package struct HealthController: Sendable {
    /// What `/readyz` answers: 200 when ready, 503 otherwise, with a JSON object that says what was checked.
    package struct Readiness: Sendable {
        package let isReady: Bool
        package let json: String

        package init(isReady: Bool, json: String) {
            self.isReady = isReady
            self.json = json
        }
    }

    let registry: PrometheusCollectorRegistry
    let readiness: @Sendable () async -> Readiness
    /// Sets the gauges that are read rather than counted (open connections, a connection being up) just before
    /// a scrape renders them.
    let beforeScrape: @Sendable () -> Void

    package init(
        registry: PrometheusCollectorRegistry,
        readiness: @escaping @Sendable () async -> Readiness,
        beforeScrape: @escaping @Sendable () -> Void = {}
    ) {
        self.registry = registry
        self.readiness = readiness
        self.beforeScrape = beforeScrape
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in Response.json(.ok, "{\"status\":\"ok\"}") }
        router.get("/readyz") { _, _ in
            let readiness = await readiness()
            return Response.json(readiness.isReady ? .ok : .serviceUnavailable, readiness.json)
        }
        router.get("/metrics") { _, _ in
            beforeScrape()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }
}
