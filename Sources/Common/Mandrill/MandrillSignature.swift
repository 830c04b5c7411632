import Crypto
import Foundation

/// Mandrill's `X-Mandrill-Signature`: base64(HMAC-SHA1(key, url + each POST field's name and value, sorted by name)).
///
/// The URL is the string exactly as entered in Mandrill (scheme, credentials, trailing slash and query
/// included); the fields are the decoded form values.
package enum MandrillSignature {
    /// The key Mandrill signs its verification POST with when a webhook is added. It is public, so it is only
    /// ever accepted for an empty batch.
    package static let testWebhookKey = "test-webhook"

    /// Computes the signature bytes (before base64).
    package static func compute(url: String, fields: [(name: String, value: String)], key: String) -> [UInt8] {
        var hmac = HMAC<Insecure.SHA1>(key: SymmetricKey(data: Array(key.utf8)))
        feed(&hmac, url: url, fields: fields)
        return Array(hmac.finalize())
    }

    /// The header value Mandrill would send.
    package static func header(url: String, fields: [(name: String, value: String)], key: String) -> String {
        Data(compute(url: url, fields: fields, key: key)).base64EncodedString()
    }

    /// Returns the index of the first key in `keys` whose signature matches `header`, comparing in constant time.
    package static func matchingKey(header: String, url: String, fields: [(name: String, value: String)], keys: [String]) -> Int? {
        guard let expected = Data(base64Encoded: header), expected.count == Insecure.SHA1.byteCount else { return nil }
        var match: Int?
        for (index, key) in keys.enumerated() {
            let symmetricKey = SymmetricKey(data: Array(key.utf8))
            var hmac = HMAC<Insecure.SHA1>(key: symmetricKey)
            feed(&hmac, url: url, fields: fields)
            // Constant time in the compared bytes (swift-crypto's safeCompare); every key is tried.
            if hmac.finalize() == expected, match == nil {
                match = index
            }
        }
        return match
    }

    private static func feed(_ hmac: inout HMAC<Insecure.SHA1>, url: String, fields: [(name: String, value: String)]) {
        hmac.update(data: Array(url.utf8))
        let sorted = fields.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for field in sorted {
            hmac.update(data: Array(field.name.utf8))
            var value = field.value
            value.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        }
    }
}
