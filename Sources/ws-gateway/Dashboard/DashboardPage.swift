import Hummingbird

/// The live dashboard (`dashboard.html`, compiled into the binary as a package resource, so it works with no files
/// or CDN around).
enum DashboardPage {
    static let html = ByteBuffer(bytes: PackageResources.dashboard_html)

    /// A strict policy: the page only talks to this gateway, and nothing an event contains can load or run code.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func response() -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: contentSecurityPolicy,
                .xContentTypeOptions: "nosniff",
                .cacheControl: "no-cache",
            ],
            body: .init(byteBuffer: html)
        )
    }
}
