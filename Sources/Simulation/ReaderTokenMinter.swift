package import Common
package import Foundation
import JWTKit

/// Signs reader tokens (HS256) for local use, the benchmark and the tests: the same claims ``TokenVerifier`` reads.
package enum ReaderTokenMinter {
    struct Claims: JWTPayload {
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var aud: AudienceClaim?
        var sub: SubjectClaim?
        var mandrill: ReaderScope?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A token valid for `lifetime` from now, pinned to `scope` (no claim when it pins nothing).
    package static func hs256(
        secret: String,
        keyID: String? = nil,
        scope: ReaderScope = .everything,
        lifetime: Duration = .seconds(3600),
        audience: String? = nil,
        subject: String? = nil,
        now: Date = Date()
    ) async throws -> String {
        // NumericDate may have a fraction, but whole seconds are what every other library writes.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: keyID.map { JWKIdentifier(string: $0) })
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        let claims = Claims(
            exp: ExpirationClaim(value: now.addingTimeInterval(seconds)),
            iat: IssuedAtClaim(value: now),
            aud: audience.map { AudienceClaim(value: [$0]) },
            sub: subject.map { SubjectClaim(value: $0) },
            mandrill: scope.pinsNothing ? nil : scope
        )
        return try await keys.sign(claims, kid: keyID.map { JWKIdentifier(string: $0) })
    }
}
