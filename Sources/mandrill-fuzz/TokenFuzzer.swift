import Common
import Foundation
import Synchronization

/// A reader's token and its `mandrill` claim: the input anyone on the internet can send to every path that serves
/// events. Properties: nothing without a key is accepted (a fuzzer cannot sign), header parsing agrees with the
/// token's shape, and a claim of any shape narrows a filter without ever widening it.
enum TokenFuzzer {
    static let staticToken = "fuzz-static-token"
    static let secret = "fuzz-secret-0123456789abcdef0123456789"

    /// Public keys only (an EC P-256 and an RSA key), so that RS256 and ES256 tokens reach JWTKit's verifiers.
    static let jwks = #"""
        {"keys": [{"crv": "P-256", "x": "CXNZXGtajwEtD5FFRbtpE_Dsr2fRTTO-pDNgAFUlWBg", "y": "altBtgzOi6rSeBimFHv_OZYvj7bb-O_i5S-IzxgcG14", "kid": "fuzz-ec", "alg": "ES256", "kty": "EC"}, {"n": "zO8t_rCJXHc1rFUeUWXIoEdrXj-CISIlcMS2u1J6slk7y5Mi4OL8M6WqsiT9q6zjXJE9_NsF_LjWc_aRgNm71XDVSMEEwRKIHpDexxeaSrQEbxmyXed6gaak0zK1nmZCdBtYFIKpyqRBDwtgLrnMcZpNOIFNl2lKF2AssKlH5sRQE1xxROwUM7tfSZOg5-R0zpETFUuOa2CuKQRz_mbRnhjKqNOpSYv6rrXoIlu9qp1FOijNzR_CAZoWeCrpZTzpLUVgDgPNnLYsa3KqFVA8b4qoNNm9b28_HTIwdhiicru4aFknsvBnchH5j7t3MxhmiSvkhCqYvOTnNGR1m2qUpw", "e": "AQAB", "kid": "fuzz-rsa", "alg": "RS256", "kty": "RSA"}]}
        """#

    static let verifier: TokenVerifier = {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mandrill-fuzz-jwks-\(getpid()).json")
        try! Data(jwks.utf8).write(to: file)
        var configuration = AccessConfiguration()
        configuration.tokens = [staticToken]
        configuration.jwtSecrets = [.init(keyID: "k1", secret: secret)]
        configuration.jwksFile = file.path
        configuration.jwtAudience = "fuzz"
        let settings = configuration
        return blocking { try await TokenVerifier.load(settings) }
    }()

    static let ownOrigin = try! OriginPolicy(configured: nil)

    static let filters: [EventFilter] = [
        EventFilter(), EventFilter(subaccounts: ["acme"]), EventFilter(types: ["open"], emails: ["a@x.com"]), EventFilter(tags: ["t", "u"]),
    ]
    static let events: [EventAttributes] = [
        EventAttributes(type: "open", email: "A@x.com", tags: ["t"], subaccount: "acme"),
        EventAttributes(type: "click", email: "b@x.com", tags: [], subaccount: ""),
        EventAttributes(type: "open", email: "a@x.com", tags: ["u", "v"], subaccount: "ACME"),
    ]

    static func run(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)

        // API: TokenHeader(token:) — only three base64url parts with a JSON header get through.
        if (try? TokenHeader(token: text)) != nil {
            invariant(text.utf8.count <= TokenHeader.maximumTokenBytes, "an oversized token was parsed")
            invariant(text.split(separator: ".", omittingEmptySubsequences: false).count == 3, "a token without three parts was parsed")
        }

        // API: TokenVerifier.verify(_:) — never accepts what it was not given the key for.
        let accepted = blocking { try? await verifier.verify(text) }
        invariant(accepted == nil || text == staticToken, "a token no key signed was accepted")

        // API: ReaderCredentials — the header form wins and is taken whole.
        let credentials = ReaderCredentials(authorization: "Bearer " + text, subprotocols: ["bearer, bearer.x"], queryToken: "q")
        let trimmed = String(decoding: text.utf8.drop { $0 == UInt8(ascii: " ") }, as: UTF8.self)
        invariant(
            credentials.token == (trimmed.isEmpty ? "x" : String(trimmed)),
            "Bearer token \(text.debugDescription) read as \(String(describing: credentials.token))"
        )

        // API: HostAllowList.allows and OriginPolicy.allows — the Host and Origin headers of every stream request.
        let loopbackOnly = HostAllowList(configured: nil, listenHost: "127.0.0.1")
        if loopbackOnly.allows(text) {
            let lower = text.lowercased()
            var name = lower.hasPrefix("[") ? String(lower.prefix { $0 != "]" }) + "]" : String(lower.prefix { $0 != ":" })
            if name.hasSuffix(".") { name.removeLast() }
            invariant(["localhost", "127.0.0.1", "[::1]"].contains(name), "Host \(text.debugDescription) passed the loopback default")
        }
        if ownOrigin.allows(origin: text, host: "localhost:8081", forwardedProto: nil) {
            var normalized = text.lowercased()
            while normalized.hasSuffix("/") { normalized.removeLast() }
            invariant(
                normalized == "http://localhost:8081" || normalized == "http://localhost.:8081",
                "Origin \(text.debugDescription) passed as own origin"
            )
        }

        // API: ReaderScope decoding and EventFilter.narrowed(by:) — a narrowed filter matches only what both allow.
        guard let scope = try? JSONDecoder().decode(ReaderScope.self, from: Data(input)) else { return }
        let pinned = EventFilter().narrowed(by: scope)
        for filter in filters {
            let narrowed = filter.narrowed(by: scope)
            for event in events where narrowed.matches(event) {
                invariant(filter.matches(event), "narrowing widened \(filter) for \(event)")
                invariant(pinned.matches(event), "the scope's own filter refused what the narrowed one matched")
                invariant(!event.subaccount.isEmpty || scope.subaccounts == nil, "an event without subaccount passed a subaccount pin")
            }
        }
    }

    /// Runs async work to completion from the fuzzer's synchronous callback (on libFuzzer's thread, never a
    /// cooperative-pool thread, so waiting here cannot starve the task it waits for).
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            box.result.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try! box.result.withLock { $0 }!.get()
    }

    private final class ResultBox<T: Sendable>: Sendable {
        let result = Mutex<Result<T, any Error>?>(nil)
    }
}
