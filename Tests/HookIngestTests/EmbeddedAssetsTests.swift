import Foundation
import TestSupport
import Testing

@testable import hook_ingest

@Suite("hook-ingest: embedded documentation assets")
struct EmbeddedAssetsTests {
    @Test(
        "the served documents are the checked-in files (run scripts/embed-assets.sh after editing them)",
        arguments: [
            ("Sources/hook-ingest/Documentation/openapi.json", OpenAPIDocument.text),
            ("Sources/hook-ingest/Documentation/doc.html", DocPageHTML.text),
        ]
    )
    func inSync(file: String, embedded: String) throws {
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent(file), encoding: .utf8)
        #expect(embedded + "\n" == text || embedded == text, "\(file) differs from its embedded copy: run scripts/embed-assets.sh")
    }
}
