import Foundation
import JWTKit
import Synchronization

/// Turns a presented token into what its bearer may read: static tokens (full access, compared in constant time)
/// and JWTs (HS256 secrets by `kid`; RS256 and ES256 public keys from a JWKS file, replaced on ``reloadPublicKeys()``).
///
/// JWTKit checks signatures. Everything that decides *which* key may check one is done here first, from the
/// header: `alg: none` and algorithms with no configured key are refused, an `HS256` token is only ever checked
/// against the HMAC secrets (never a public key, which would make it forgeable), and RS256 / ES256 tokens only
/// against public keys of their own type. Registered claims are checked here too, with ``leeway``.
package final class TokenVerifier: Sendable {
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    package static let leeway: Double = 30

    private let staticTokens: [[UInt8]]
    private let secrets: KeyRing?
    private let publicKeys: Mutex<PublicKeys>
    private let jwksFile: String?
    private let audience: String?
    private let now: @Sendable () -> Double

    /// Keys of one algorithm, and the `kid`s they are known by.
    struct KeyRing: Sendable {
        let keys: JWTKeyCollection
        let keyIDs: Set<String>
    }

    struct PublicKeys: Sendable {
        var rs256: KeyRing?
        var es256: KeyRing?
    }

    private init(
        staticTokens: [String],
        secrets: KeyRing?,
        publicKeys: PublicKeys,
        jwksFile: String?,
        audience: String?,
        now: @escaping @Sendable () -> Double
    ) {
        self.staticTokens = staticTokens.map { Array($0.utf8) }
        self.secrets = secrets
        self.publicKeys = Mutex(publicKeys)
        self.jwksFile = jwksFile
        self.audience = audience
        self.now = now
    }

    /// Loads every configured key; a JWKS file that cannot be read or holds no usable key is a configuration error.
    package static func load(
        _ configuration: AccessConfiguration,
        now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) async throws(ConfigurationError) -> TokenVerifier {
        var secrets: KeyRing?
        if !configuration.jwtSecrets.isEmpty {
            let keys = JWTKeyCollection()
            for secret in configuration.jwtSecrets {
                await keys.add(hmac: HMACKey(from: secret.secret), digestAlgorithm: .sha256, kid: secret.keyID.map { JWKIdentifier(string: $0) })
            }
            secrets = KeyRing(keys: keys, keyIDs: Set(configuration.jwtSecrets.compactMap(\.keyID)))
        }
        var publicKeys: PublicKeys?
        if let file = configuration.jwksFile { publicKeys = try await Self.readPublicKeys(file) }
        return TokenVerifier(
            staticTokens: configuration.tokens,
            secrets: secrets,
            publicKeys: publicKeys ?? PublicKeys(),
            jwksFile: configuration.jwksFile,
            audience: configuration.jwtAudience,
            now: now
        )
    }

    /// Re-reads the JWKS file (on SIGHUP). On failure the keys in use stay, and the error says why.
    /// Returns the number of keys now in use.
    @discardableResult
    package func reloadPublicKeys() async throws(ConfigurationError) -> Int {
        guard let jwksFile else { return 0 }
        let keys = try await Self.readPublicKeys(jwksFile)
        publicKeys.withLock { $0 = keys }
        return (keys.rs256?.keyIDs.count ?? 0) + (keys.es256?.keyIDs.count ?? 0)
    }

    /// What `token` grants, or why it grants nothing.
    package func verify(_ token: String) async throws(AccessError) -> AccessGrant {
        if !staticTokens.isEmpty, matchesStaticToken(Array(token.utf8)) { return .unrestricted }
        let header: TokenHeader
        do {
            header = try TokenHeader(token: token)
        } catch {
            // With static tokens only, a wrong token is just wrong, whatever its shape.
            throw secrets == nil && jwksFile == nil ? .signature : error
        }
        let ring: KeyRing?
        switch header.algorithm {
        case "HS256": ring = secrets
        case "RS256": ring = publicKeys.withLock { $0.rs256 }
        case "ES256": ring = publicKeys.withLock { $0.es256 }
        default: ring = nil
        }
        guard let ring else { throw .algorithm }
        let claims: ReaderToken
        do {
            // A known kid picks its key; otherwise every key of this algorithm is tried (rotation without kids).
            let known = header.keyID.map { ring.keyIDs.contains($0) } ?? false
            claims = try await ring.keys.verify(token, as: ReaderToken.self, iteratingKeys: !known)
        } catch {
            throw .signature
        }
        return try grant(for: claims)
    }

    private func grant(for claims: ReaderToken) throws(AccessError) -> AccessGrant {
        let now = now()
        guard let expiry = claims.exp?.value.timeIntervalSince1970 else { throw .claims }
        guard now <= expiry + Self.leeway else { throw .expired }
        if let notBefore = claims.nbf?.value.timeIntervalSince1970, notBefore > now + Self.leeway { throw .notYetValid }
        if let issuedAt = claims.iat?.value.timeIntervalSince1970, issuedAt > now + Self.leeway { throw .notYetValid }
        if let audience {
            guard let presented = claims.aud?.value, presented.contains(audience) else { throw .audience }
        }
        return AccessGrant(scope: claims.mandrill ?? .everything, expiresAt: expiry + Self.leeway)
    }

    private func matchesStaticToken(_ candidate: [UInt8]) -> Bool {
        // Every token is compared in full so that timing says nothing about which one (or how much) matched.
        var found = false
        for token in staticTokens where constantTimeEqual(token, candidate) { found = true }
        return found
    }

    /// Reads RS256 (kty RSA) and ES256 (kty EC, P-256) keys from a JWKS document; keys of other types or
    /// algorithms are skipped, so they can never verify a token. Every key needs a `kid`.
    private static func readPublicKeys(_ path: String) async throws(ConfigurationError) -> PublicKeys {
        let document: JWKS
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count <= 1 << 20 else { throw ConfigurationError("--jwks-file is larger than 1 MiB") }
            document = try JSONDecoder().decode(JWKS.self, from: data)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("--jwks-file \(path) is not a readable JWKS document (\(type(of: error)))")
        }
        var rsa: [JWK] = []
        var ec: [JWK] = []
        for key in document.keys where key.keyIdentifier != nil {
            if key.keyType == .rsa, key.algorithm == nil || key.algorithm == .rs256 {
                rsa.append(key)
            } else if key.keyType == .ecdsa, key.curve == .ecdsa(.p256), key.algorithm == nil || key.algorithm == .es256 {
                ec.append(key)
            }
        }
        guard !rsa.isEmpty || !ec.isEmpty else {
            throw ConfigurationError("--jwks-file \(path) holds no RS256 (RSA) or ES256 (EC P-256) key with a kid")
        }
        do {
            return PublicKeys(rs256: try await ring(of: rsa), es256: try await ring(of: ec))
        } catch {
            throw ConfigurationError("--jwks-file \(path) holds a key that cannot be used (\(type(of: error)))")
        }
    }

    private static func ring(of keys: [JWK]) async throws -> KeyRing? {
        guard !keys.isEmpty else { return nil }
        let collection = JWTKeyCollection()
        for key in keys { try await collection.add(jwk: key) }
        return KeyRing(keys: collection, keyIDs: Set(keys.compactMap { $0.keyIdentifier?.string }))
    }
}
