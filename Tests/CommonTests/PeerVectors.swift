import Foundation
import Testing

/// The two real signed Mandrill captures in `Vectors/` (copied from shared/mandrill-peer-vectors).
struct PeerVector {
    let url: String
    let key: String
    let expectedSignature: String
    let mandrillEvents: String
    let formBody: String?
    let negativeURL: String?

    static func load(_ name: String) throws -> PeerVector {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let params = try #require(object["params"] as? [String: String])
        return PeerVector(
            url: try #require(object["url"] as? String),
            key: try #require(object["key"] as? String),
            expectedSignature: try #require(object["expected_signature"] as? String),
            mandrillEvents: try #require(params["mandrill_events"]),
            formBody: object["form_body"] as? String,
            negativeURL: (object["negative"] as? [String: String])?["url"]
        )
    }

    static let rails = "mandrill-rails-click_with_signature"
    static let dotnet = "mandrill-net-sample_webhook"
}
