import Foundation
import Testing

@testable import NetClients

@Suite("Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 §4.2.2)")
struct WebSocketKeyTests {
    @Test("the accept value of the RFC's own example")
    func rfcExample() {
        #expect(WebSocketKey.accept(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("a fresh key is 16 random bytes in base64, and two keys differ")
    func freshKey() throws {
        let key = WebSocketKey.random()
        let bytes = try #require(Data(base64Encoded: key))
        #expect(bytes.count == 16)
        #expect(bytes.base64EncodedString() == key)
        #expect(WebSocketKey.random() != key)
    }
}
