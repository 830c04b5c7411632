/// Why a request may not read events. The description is safe to send to the client: it never contains the token.
package struct AccessError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Reason: Sendable, Equatable {
        case missing
        case malformed
        case algorithm
        case signature
        case expired
        case notYetValid
        case audience
        case claims
    }

    private let reason: Reason

    package static let missing = AccessError(reason: .missing)
    /// Not three base64url parts with a JSON header, or longer than any token we issue.
    package static let malformed = AccessError(reason: .malformed)
    /// `alg: none`, or an algorithm no configured key uses.
    package static let algorithm = AccessError(reason: .algorithm)
    /// No configured key (or static token) matches.
    package static let signature = AccessError(reason: .signature)
    package static let expired = AccessError(reason: .expired)
    package static let notYetValid = AccessError(reason: .notYetValid)
    package static let audience = AccessError(reason: .audience)
    /// No `exp`, or a claim of the wrong shape.
    package static let claims = AccessError(reason: .claims)

    package var description: String {
        switch reason {
        case .missing: "a token is required: send Authorization: Bearer <token> (browsers: the bearer subprotocol)"
        case .malformed: "the token is not a well-formed JWT"
        case .algorithm: "the token's algorithm is not accepted"
        case .signature: "the token is not valid"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .audience: "the token is not meant for this service (aud)"
        case .claims: "the token's claims are not valid (exp is required)"
        }
    }
}
