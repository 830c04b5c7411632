import Hummingbird

/// `GET /openapi.json` (the API of both processes) and `GET /doc` (Swagger UI showing it, falling back to the raw
/// document when the UI's assets cannot be loaded).
struct DocsController: Sendable {
    static let docContentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'unsafe-inline' https://unpkg.com; style-src 'self' 'unsafe-inline' https://unpkg.com; connect-src 'self'; img-src 'self' data: https://unpkg.com; base-uri 'none'; frame-ancestors 'none'"

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text))
            )
        }
        router.get("/doc") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: Self.docContentSecurityPolicy, .xContentTypeOptions: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: DocPageHTML.text))
            )
        }
    }
}
