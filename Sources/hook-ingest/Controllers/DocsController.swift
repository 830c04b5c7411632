import Hummingbird

/// `GET /openapi.json` (the API of both processes), `GET /doc` (Swagger UI showing it) and the Swagger UI files under
/// `/doc/`. The page loads Swagger UI from this process; only when it has no copy (404) from the CDN, and when that
/// fails too, it shows the raw document.
struct DocsController: Sendable {
    /// The local Swagger UI files, `nil` when none were found at start.
    let swaggerUI: SwaggerUIAssets?

    /// The Swagger UI release on the CDN that `doc.html` falls back to: the one `scripts/install-swagger-ui.sh` installs.
    static let cdnBase = "https://unpkg.com/swagger-ui-dist@4.15.5/"

    /// The page's policy: scripts and styles from this process, plus the CDN's Swagger UI only when this process has
    /// no copy of its own (the page then falls back to it).
    static func contentSecurityPolicy(cdnFallback: Bool) -> String {
        let cdn = cdnFallback ? " " + cdnBase : ""
        return "default-src 'none'; script-src 'self' 'unsafe-inline'\(cdn); style-src 'self' 'unsafe-inline'\(cdn); connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// The files change only when another release is installed (and hook-ingest restarted); the entity tag tells.
    static let assetCacheControl = "public, max-age=86400"

    init(swaggerUI: SwaggerUIAssets? = nil) {
        self.swaggerUI = swaggerUI
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: EmbeddedDocuments.openAPI)
            )
        }
        let policy = Self.contentSecurityPolicy(cdnFallback: swaggerUI == nil)
        router.get("/doc") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: policy, .xContentTypeOptions: "nosniff",
                    .cacheControl: "no-cache",
                ],
                body: .init(byteBuffer: EmbeddedDocuments.docPage)
            )
        }
        // One fixed route per file: any other name under /doc/ (including `..` and encoded forms of it) is the
        // router's 404, and no request path is ever turned into a file name.
        for (name, asset) in swaggerUI?.assets ?? [:] {
            router.get("/doc/\(name)") { request, _ in
                Self.response(for: asset, ifNoneMatch: request.headers[values: .ifNoneMatch])
            }
        }
    }

    static func response(for asset: SwaggerUIAssets.Asset, ifNoneMatch: [String]) -> Response {
        let headers: HTTPFields = [
            .contentType: asset.contentType, .cacheControl: assetCacheControl, .eTag: asset.entityTag, .xContentTypeOptions: "nosniff",
        ]
        // Entity tags hold no blanks: dropping them leaves the comma-separated list.
        let tags = ifNoneMatch.flatMap { $0.filter { $0 != " " && $0 != "\t" }.split(separator: ",") }
        if tags.contains(where: { $0 == asset.entityTag || $0 == "W/" + asset.entityTag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
