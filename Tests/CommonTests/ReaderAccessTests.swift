import ArgumentParser
import Common
import Foundation
import Simulation
import TestSupport
import Testing

@Suite("Reader access: tokens, claims, hosts and origins")
struct ReaderAccessTests {
    static let secretK1 = "k1-0123456789abcdef0123456789abcdef"
    static let secretK0 = "k0-fedcba9876543210fedcba9876543210"
    static let audience = "mandrill-live"

    private func verifier(jose: JoseTokens, audience: String? = Self.audience, tokens: [String] = []) async throws -> TokenVerifier {
        var configuration = AccessConfiguration()
        configuration.jwtSecrets = [.init(keyID: "k1", secret: Self.secretK1), .init(keyID: "k0", secret: Self.secretK0)]
        configuration.jwksFile = jose.jwksFile
        configuration.jwtAudience = audience
        configuration.tokens = tokens
        return try await TokenVerifier.load(configuration)
    }

    private func outcome(_ verifier: TokenVerifier, _ token: String) async -> Result<AccessGrant, AccessError> {
        do {
            return .success(try await verifier.verify(token))
        } catch {
            return .failure(error)
        }
    }

    @Test("tokens from an independent JOSE library: every algorithm and key form is accepted, every hostile variant refused with its reason")
    func matrix() async throws {
        let jose = try await JoseTokens()
        let verifier = try await verifier(jose: jose, tokens: ["static-token"])
        let now = Int(Date().timeIntervalSince1970)
        let acme: [String: Any] = ["aud": Self.audience, "mandrill": ["subaccounts": ["acme"]]]
        let cases: [(String, [String: Any], AccessError?)] = [
            ("HS256, kid k1", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "exp_in": 60, "claims": acme], nil),
            ("HS256, kid k0 (rotation)", ["alg": "HS256", "secret": Self.secretK0, "kid": "k0", "exp_in": 60, "claims": acme], nil),
            ("HS256, no kid", ["alg": "HS256", "secret": Self.secretK0, "exp_in": 60, "claims": acme], nil),
            ("RS256, no kid", ["alg": "RS256", "exp_in": 60, "claims": acme], nil),
            ("RS256, kid", ["alg": "RS256", "kid": "rsa-1", "exp_in": 60, "claims": acme], nil),
            ("ES256, kid", ["alg": "ES256", "kid": "ec-1", "exp_in": 60, "claims": acme], nil),
            (
                "aud as a list", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "exp_in": 60, "claims": ["aud": ["other", Self.audience]]],
                nil
            ),
            ("expired", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "exp_in": -120, "claims": acme], .expired),
            ("expired, within leeway", ["alg": "ES256", "kid": "ec-1", "exp_in": -10, "claims": acme], nil),
            ("not yet valid", ["alg": "RS256", "exp_in": 600, "claims": ["aud": Self.audience, "nbf": now + 300]], .notYetValid),
            (
                "issued in the future",
                ["alg": "HS256", "secret": Self.secretK1, "exp_in": 600, "claims": ["aud": Self.audience, "iat": now + 300]], .notYetValid
            ),
            ("no exp", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "claims": acme], .claims),
            (
                "exp as text", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "claims": ["aud": Self.audience, "exp": "tomorrow"]], .signature
            ),
            ("wrong audience", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "exp_in": 60, "claims": ["aud": "other"]], .audience),
            ("no audience", ["alg": "ES256", "kid": "ec-1", "exp_in": 60], .audience),
            (
                "wrong secret", ["alg": "HS256", "secret": "not-the-secret-0123456789abcdef0123", "kid": "k1", "exp_in": 60, "claims": acme],
                .signature
            ),
            ("unknown kid, wrong secret", ["alg": "HS256", "secret": "another-secret-0123456789abcdef01234", "kid": "k9", "exp_in": 60], .signature),
            ("alg none", ["alg": "none", "exp_in": 60, "claims": acme], .algorithm),
            ("RS256 key used as HS256 secret", ["alg": "HS256-with-public-key", "exp_in": 60, "claims": acme], .signature),
            ("HS512", ["alg": "HS512", "secret": Self.secretK1 + Self.secretK1, "exp_in": 60, "claims": acme], .algorithm),
            ("truncated", ["alg": "RS256", "exp_in": 60, "claims": acme, "truncate": 5], .signature),
            ("cut to two parts", ["alg": "ES256", "kid": "ec-1", "exp_in": 60, "claims": acme, "truncate": 87], .malformed),
            ("oversized", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "exp_in": 60, "claims": acme, "pad_to": 9000], .malformed),
            (
                "claim of the wrong shape",
                ["alg": "HS256", "secret": Self.secretK1, "exp_in": 60, "claims": ["aud": Self.audience, "mandrill": ["subaccounts": "acme"]]],
                .signature
            ),
        ]
        let tokens = try await jose.mint(cases.map(\.1))
        for ((name, _, expected), token) in zip(cases, tokens) {
            let result = await outcome(verifier, token)
            switch (result, expected) {
            case (.success(let grant), nil):
                #expect(grant.expiresAt != nil, "\(name)")
            case (.failure(let error), .some(let expected)):
                #expect(error == expected, "\(name): \(error)")
            case (.success, .some(let expected)):
                Issue.record("\(name): accepted, expected \(expected)")
            case (.failure(let error), nil):
                Issue.record("\(name): refused with \(error)")
            }
        }
        let pinned = try await verifier.verify(tokens[0])
        #expect(pinned.scope == ReaderScope(subaccounts: ["acme"]))
        #expect(try await verifier.verify("static-token") == .unrestricted)
        #expect(await outcome(verifier, "static-tokem") == .failure(.malformed))
        #expect(await outcome(verifier, "") == .failure(.malformed))
    }

    @Test("the JWKS file is read again on demand: new keys count, removed keys no longer do, a broken file keeps the keys in use")
    func reload() async throws {
        let jose = try await JoseTokens()
        let verifier = try await verifier(jose: jose, audience: nil)
        let old = try await jose.mint(["alg": "ES256", "kid": "ec-1", "exp_in": 60])
        _ = try await verifier.verify(old)
        let other = try await JoseTokens()
        try FileManager.default.removeItem(atPath: jose.jwksFile)
        try FileManager.default.copyItem(atPath: other.jwksFile, toPath: jose.jwksFile)
        #expect(try await verifier.reloadPublicKeys() == 2)
        #expect(await outcome(verifier, old) == .failure(.signature))
        let new = try await other.mint(["alg": "ES256", "kid": "ec-1", "exp_in": 60])
        _ = try await verifier.verify(new)
        try Data("{\"keys\":[]}".utf8).write(to: URL(fileURLWithPath: jose.jwksFile))
        await #expect(throws: ConfigurationError.self) { try await verifier.reloadPublicKeys() }
        _ = try await verifier.verify(new)
    }

    @Test("our own minter's tokens verify, with the scope they were given")
    func ownMinter() async throws {
        var configuration = AccessConfiguration()
        configuration.jwtSecrets = [.init(keyID: nil, secret: Self.secretK1)]
        let verifier = try await TokenVerifier.load(configuration)
        let scope = ReaderScope(subaccounts: ["acme"], types: ["open"], emails: ["A@Example.com"], tags: ["billing"])
        let token = try await ReaderTokenMinter.hs256(secret: Self.secretK1, scope: scope, lifetime: .seconds(60))
        let grant = try await verifier.verify(token)
        #expect(grant.scope == scope)
        #expect(grant.scope.emails == ["a@example.com"])
    }

    @Test("claims narrow a client's filter and never widen it")
    func narrowing() {
        let acme = ReaderScope(subaccounts: ["acme"])
        #expect(EventFilter().narrowed(by: acme) == EventFilter(subaccounts: ["acme"]))
        #expect(EventFilter(subaccounts: ["acme", "beta"]).narrowed(by: acme) == EventFilter(subaccounts: ["acme"]))
        #expect(EventFilter(subaccounts: ["beta"]).narrowed(by: acme) == .nothing)
        #expect(EventFilter(subaccounts: ["ACME"]).narrowed(by: acme) == .nothing)
        #expect(EventFilter(types: ["open"]).narrowed(by: acme) == EventFilter(types: ["open"], subaccounts: ["acme"]))
        #expect(EventFilter(emails: ["B@x.com"]).narrowed(by: ReaderScope(emails: ["b@X.com"])) == EventFilter(emails: ["b@x.com"]))
        #expect(EventFilter().narrowed(by: ReaderScope(subaccounts: [])) == .nothing)
        #expect(EventFilter().narrowed(by: ReaderScope(subaccounts: [""])) == .nothing)
        #expect(EventFilter(types: ["open"]).narrowed(by: .everything) == EventFilter(types: ["open"]))
        let filter = EventFilter().narrowed(by: acme)
        #expect(filter.matches(EventAttributes(type: "open", email: "", tags: [], subaccount: "acme")))
        #expect(!filter.matches(EventAttributes(type: "open", email: "", tags: [], subaccount: "Acme")))
        #expect(!filter.matches(EventAttributes(type: "open", email: "", tags: [], subaccount: "")))
        #expect(!EventFilter.nothing.matches(EventAttributes(type: "open", email: "", tags: [], subaccount: "acme")))
        #expect(!EventFilter.nothing.matchesEverything)
        // Every filter that matches nothing is the same group.
        #expect(EventFilter(subaccounts: ["x"]).narrowed(by: acme) == EventFilter(types: ["open"]).narrowed(by: ReaderScope(types: ["click"])))
    }

    @Test("credentials: Bearer first, then the subprotocol pair, then the query")
    func credentials() {
        let all = ReaderCredentials(authorization: "Bearer h", subprotocols: ["bearer, bearer.s"], queryToken: "q")
        #expect(all.token == "h" && all.source == .header && all.offersBearerSubprotocol)
        let browser = ReaderCredentials(authorization: "Basic abc", subprotocols: ["bearer", "bearer.s"], queryToken: "q")
        #expect(browser.token == "s" && browser.source == .subprotocol)
        let query = ReaderCredentials(authorization: nil, subprotocols: ["bearer.s"], queryToken: "q")
        #expect(query.token == "q" && query.source == .query)
        #expect(ReaderCredentials(authorization: "bearer ", subprotocols: [], queryToken: "").token == nil)
    }

    @Test("hosts: loopback names by default on loopback, the configured list elsewhere")
    func hosts() {
        let loopback = HostAllowList(configured: nil, listenHost: "127.0.0.1")
        #expect(loopback.allows("localhost:8081") && loopback.allows("[::1]") && loopback.allows("127.0.0.1"))
        #expect(!loopback.allows("evil.example") && !loopback.allows(nil) && !loopback.allows("localhost:x") && !loopback.allows("[::1"))
        #expect(HostAllowList(configured: nil, listenHost: "0.0.0.0").allows("anything.example"))
        let listed = HostAllowList(configured: ["events.example.com", "internal:8081"], listenHost: "0.0.0.0")
        #expect(listed.allows("Events.Example.com.") && listed.allows("internal:8081"))
        #expect(!listed.allows("internal:8082") && !listed.allows("example.com"))
    }

    @Test("JWT secrets: kid:secret pairs or one plain secret of at least 32 bytes")
    func secrets() throws {
        let configuration = try AccessConfiguration(
            options: try AccessOptions.parse(["--jwt-secrets", "k1:\(Self.secretK1),k0:\(Self.secretK0)"]),
            environment: EnvironmentValues([:])
        )
        #expect(configuration.jwtSecrets.map(\.keyID) == ["k1", "k0"])
        for bad in ["short", "k1:short", "k1:\(Self.secretK1),\(Self.secretK0)", "k1:\(Self.secretK1),k1:\(Self.secretK0)", ","] {
            let options = try AccessOptions.parse(["--jwt-secrets", bad])
            #expect(throws: ConfigurationError.self, "\(bad)") { try AccessConfiguration(options: options, environment: EnvironmentValues([:])) }
        }
        let legacy = try AccessConfiguration(options: try AccessOptions.parse([]), environment: EnvironmentValues(["GATEWAY_TOKENS": "a,b"]))
        #expect(legacy.tokens == ["a", "b"] && legacy.requiresToken)
        let open = try AccessConfiguration(options: try AccessOptions.parse([]), environment: EnvironmentValues(["PUBLIC_READ": "1"]))
        #expect(open.publicRead && !open.requiresToken)
    }
}
