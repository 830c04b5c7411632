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
    package static func compute(url: String, form: FormBody, key: String) -> [UInt8] {
        Array(Verifier(url: url, keys: [key]).authenticationCode(keyAt: 0, form: form))
    }

    /// The header value Mandrill would send.
    package static func header(url: String, form: FormBody, key: String) -> String {
        Data(compute(url: url, form: form, key: key)).base64EncodedString()
    }

    package static func header(url: String, fields: [(name: String, value: String)], key: String) -> String {
        header(url: url, form: FormBody(fields: fields), key: key)
    }

    /// Returns the index of the first key in `keys` whose signature matches `header`, comparing in constant time.
    /// The form's fields were sorted once when it was decoded; each key costs one HMAC pass over them.
    package static func matchingKey(header: String, url: String, form: FormBody, keys: [String]) -> Int? {
        Verifier(url: url, keys: keys).matchingKey(header: header, form: form)
    }

    package static func matchingKey(header: String, url: String, fields: [(name: String, value: String)], keys: [String]) -> Int? {
        matchingKey(header: header, url: url, form: FormBody(fields: fields), keys: keys)
    }

    /// The keys of one webhook URL, prepared once: each HMAC state already holds its key and the URL, so a POST
    /// costs one pass over its fields per key, and no key set-up.
    package struct Verifier: Sendable {
        private let prepared: [HMAC<Insecure.SHA1>]

        package init(url: String, keys: [String]) {
            prepared = keys.map { key in
                var hmac = HMAC<Insecure.SHA1>(key: SymmetricKey(data: Array(key.utf8)))
                hmac.update(data: Array(url.utf8))
                return hmac
            }
        }

        /// The index of the first key whose signature matches `header`; every key is tried, and compared in
        /// constant time (swift-crypto's safeCompare).
        package func matchingKey(header: String, form: FormBody) -> Int? {
            guard let expected = Data(base64Encoded: header), expected.count == Insecure.SHA1.byteCount else { return nil }
            var match: Int?
            for index in prepared.indices {
                if authenticationCode(keyAt: index, form: form) == expected, match == nil {
                    match = index
                }
            }
            return match
        }

        /// HMAC-SHA1 of the URL and the form's fields (sorted by name) under the key at `index`.
        func authenticationCode(keyAt index: Int, form: FormBody) -> HashedAuthenticationCode<Insecure.SHA1> {
            var hmac = prepared[index]
            form.forEachSignedField { name, value in
                hmac.update(data: name)
                hmac.update(data: value)
            }
            return hmac.finalize()
        }
    }
}
