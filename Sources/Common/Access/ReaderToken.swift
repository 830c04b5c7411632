import JWTKit

/// The claims a reader's JWT carries. Registered claims are checked by ``TokenVerifier`` (with its clock, leeway
/// and audience), not here: JWTKit's hook has no access to them.
struct ReaderToken: JWTPayload {
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var aud: AudienceClaim?
    var mandrill: ReaderScope?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
