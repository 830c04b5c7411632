import Foundation

/// The parts of a JWT's header that choose the key, read before any key is tried so that `alg: none`, unknown
/// algorithms and critical extensions are refused without reaching a verifier.
package struct TokenHeader: Sendable, Equatable {
    /// Longer tokens are refused unread: ours carry a few claims, and a header line has to fit through proxies.
    package static let maximumTokenBytes = 8192

    package let algorithm: String
    package let keyID: String?

    package init(token: some StringProtocol) throws(AccessError) {
        let utf8 = token.utf8
        guard utf8.count <= Self.maximumTokenBytes else { throw .malformed }
        let parts = utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        // The signature may be empty here: that is `alg: none`, refused below by name.
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, parts.allSatisfy({ $0.allSatisfy(Self.isBase64URL) }) else {
            throw .malformed
        }
        guard let json = Self.decodeBase64URL(parts[0]),
            let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any]
        else { throw .malformed }
        guard let algorithm = object["alg"] as? String else { throw .malformed }
        // No extension is understood here, so a token that marks one as critical must be refused (RFC 7515 §4.1.11).
        guard object["crit"] == nil else { throw .algorithm }
        let keyID = object["kid"]
        guard keyID == nil || keyID is String else { throw .malformed }
        self.algorithm = algorithm
        self.keyID = keyID as? String
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    static func decodeBase64URL(_ part: some Collection<UInt8>) -> Data? {
        var text = String(decoding: part, as: UTF8.self).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        return Data(base64Encoded: text)
    }
}
