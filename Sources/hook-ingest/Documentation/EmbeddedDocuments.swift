import NIOCore

/// The documents `/openapi.json` and `/doc` serve: `openapi.json` and `doc.html`, compiled into the binary as package
/// resources, so that nothing has to be found on disk or on a CDN at run time. Each response shares these buffers.
enum EmbeddedDocuments {
    static let openAPI = ByteBuffer(bytes: PackageResources.openapi_json)
    static let docPage = ByteBuffer(bytes: PackageResources.doc_html)
}
