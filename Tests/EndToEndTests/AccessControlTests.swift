import Common
import Foundation
import NetClients
import Simulation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
import NIOHTTP1
#endif

/// Access control against the real processes: tokens minted by an independent JOSE library, presented on every
/// path that serves events, with tenants that must never see each other's events.
@Suite("End to end: access control")
struct AccessControlTests {
    static let signedURL = "https://hooks.example.com/mandrill/events"
    static let webhookKey = "access-key"
    static let secretK1 = "k1-0123456789abcdef0123456789abcdef"
    static let secretK0 = "k0-fedcba9876543210fedcba9876543210"
    static let audience = "mandrill-live"

    /// Redis, hook-ingest and ws-gateway with the same access options, and keys to mint tokens with.
    struct Fixture {
        let redis: RedisServer
        let ingest: ProductProcess
        let gateway: ProductProcess
        let jose: JoseTokens

        static func start(extra: [String] = [], environment: [String: String] = [:]) async throws -> Fixture {
            let redis = try await RedisServer()
            let jose = try await JoseTokens()
            let access = [
                "--jwt-secrets", "k1:\(secretK1),k0:\(secretK0)", "--jwks-file", jose.jwksFile, "--jwt-audience", audience,
                "--tokens", "static-full-access", "--log-level", "debug",
            ]
            let ingest = try await ProductProcess.startIngest(
                signedURL: signedURL,
                keys: webhookKey,
                arguments: ["--redis-url", redis.url] + access + extra,
                environment: environment
            )
            let gateway = try await ProductProcess.start(
                "ws-gateway",
                arguments: ["--redis-url", redis.url] + access + extra,
                environment: environment
            )
            return Fixture(redis: redis, ingest: ingest, gateway: gateway, jose: jose)
        }

        func token(_ alg: String, scope: [String: Any]? = nil, expiresIn: Int = 600, kid: String? = nil) async throws -> String {
            var claims: [String: Any] = ["aud": AccessControlTests.audience]
            if let scope { claims["mandrill"] = scope }
            var spec: [String: Any] = ["alg": alg, "exp_in": expiresIn, "claims": claims]
            if alg == "HS256" { spec["secret"] = kid == "k0" ? secretK0 : secretK1 }
            if let kid { spec["kid"] = kid }
            return try await jose.mint(spec)
        }

        func post(_ events: [SimJSON]) async throws {
            let batch = SignedBatch(events: events, signedURL: AccessControlTests.signedURL, key: AccessControlTests.webhookKey)
            let response = try await httpRequest(.POST, port: ingest.port, "/mandrill/events", headers: batch.headers, body: batch.body)
            guard response.status == 200 else { throw TestSupportError("webhook answered \(response.status): \(response.text)") }
        }

        func connect(_ query: String = "", headers: [(String, String)] = []) async throws -> (WebSocketClient, StreamCollector) {
            guard case .connected(let client) = try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/?\(query)", headers: headers)
            else {
                throw TestSupportError("connect refused")
            }
            return (client, StreamCollector(client))
        }

        func refusal(_ query: String = "", headers: [(String, String)] = []) async throws -> Int? {
            switch try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/?\(query)", headers: headers) {
            case .connected(let client):
                await client.disconnect()
                return nil
            case .rejected(let status, _, _):
                return status
            }
        }

        func stop() async {
            await ingest.terminate()
            await gateway.terminate()
        }
    }

    /// A message event of `subaccount` (nil: none), with a fresh message id.
    static func event(_ type: String, subaccount: String?, message: String = UUID().uuidString) -> SimJSON {
        let ts = Int(Date().timeIntervalSince1970)
        return .object([
            ("event", .string(type)), ("_id", .string(message)), ("ts", .int(ts)),
            (
                "msg",
                .object([
                    ("_id", .string(message)), ("ts", .int(ts)), ("email", .string("reader@example.com")), ("subject", .string("hello")),
                    ("sender", .string("app@example.com")), ("tags", .array([.string("billing")])), ("state", .string("sent")),
                    ("subaccount", subaccount.map(SimJSON.string) ?? .null),
                ])
            ),
        ])
    }

    @Test("a tenant token sees only its subaccount, live, with backlog= and since=, and in the read API; every token form works")
    func tenantIsolation() async throws {
        let fixture = try await Fixture.start()
        let acme: [String: Any] = ["subaccounts": ["acme"]]
        let acmeHS = try await fixture.token("HS256", scope: acme, kid: "k1")
        let acmeRS = try await fixture.token("RS256", scope: acme)
        let acmeES = try await fixture.token("ES256", scope: acme, kid: "ec-1")
        let fullHS = try await fixture.token("HS256", kid: "k0")
        var clients: [(String, WebSocketClient, StreamCollector)] = []
        for (name, query, headers) in [
            ("acme, Bearer HS256", "", [("Authorization", "Bearer \(acmeHS)")]),
            ("acme, subprotocol RS256", "", [("Sec-WebSocket-Protocol", "bearer, bearer.\(acmeRS)")]),
            ("acme, query ES256", "token=\(acmeES)", []),
            ("acme asking for beta", "subaccount=beta", [("Authorization", "Bearer \(acmeHS)")]),
            ("full, Bearer", "", [("Authorization", "Bearer \(fullHS)")]),
            ("static token", "token=static-full-access", []),
        ] {
            let (client, collector) = try await fixture.connect(query, headers: headers)
            try await collector.waitForLive()
            clients.append((name, client, collector))
        }
        var events: [SimJSON] = []
        var messages: [String: String] = [:]
        for subaccount in ["acme", "beta", "ACME", nil, "acme"] as [String?] {
            let message = UUID().uuidString
            messages[subaccount ?? "none"] = message
            events.append(Self.event("send", subaccount: subaccount, message: message))
            events.append(Self.event("open", subaccount: subaccount, message: message))
        }
        try await fixture.post(events)
        let checker = fixture.redis.client()
        let stored = StreamEntry.entries(in: try await checker.send("XRANGE", "mandrill:events", "-", "+"))
        await checker.shutdown()
        #expect(stored.count == 10)
        let acmeIDs = stored.filter { $0.attributes.subaccount == "acme" }.map(\.id)
        #expect(acmeIDs.count == 4)

        for (name, client, collector) in clients {
            let expected = name.hasPrefix("full") || name.hasPrefix("static") ? stored.map(\.id) : name.hasSuffix("beta") ? [] : acmeIDs
            if expected.isEmpty {
                // The full-access clients got all ten by now; this one must have none of them.
                try await clients[4].2.waitForEvents(10)
                #expect(collector.ids.isEmpty, "\(name)")
            } else {
                try await collector.waitForEvents(expected.count)
                #expect(collector.ids == expected, "\(name)")
            }
            await client.disconnect()
        }

        // Replays: the last N events the token may see, and everything after a cursor.
        let (backlogClient, backlog) = try await fixture.connect("backlog=3", headers: [("Authorization", "Bearer \(acmeRS)")])
        try await backlog.waitForLive()
        #expect(backlog.ids == Array(acmeIDs.suffix(3)))
        await backlogClient.disconnect()
        let (sinceClient, since) = try await fixture.connect("since=0-0&types=open", headers: [("Authorization", "Bearer \(acmeES)")])
        try await since.waitForLive()
        #expect(since.ids == stored.filter { $0.attributes.subaccount == "acme" && $0.type == "open" }.map(\.id))
        await sinceClient.disconnect()

        // The read API: narrowed lists, and 404 for a message outside the scope, exactly like a missing one.
        let list = try await httpRequest(.GET, port: fixture.ingest.port, "/api/events/?limit=100", headers: [("Authorization", "Bearer \(acmeHS)")])
        #expect(list.status == 200)
        #expect(Self.ids(in: list.text) == acmeIDs.reversed().map(\.description))
        let beta = try await httpRequest(
            .GET,
            port: fixture.ingest.port,
            "/api/events/?subaccount=beta",
            headers: [("Authorization", "Bearer \(acmeHS)")]
        )
        #expect(Self.ids(in: beta.text) == [])
        let full = try await httpRequest(.GET, port: fixture.ingest.port, "/api/events/?limit=100&token=\(fullHS)")
        #expect(Self.ids(in: full.text).count == 10)
        for (subaccount, status) in [("acme", 200), ("beta", 404), ("ACME", 404), ("none", 404)] {
            let message = try #require(messages[subaccount])
            let response = try await httpRequest(
                .GET,
                port: fixture.ingest.port,
                "/api/messages/\(message)",
                headers: [("Authorization", "Bearer \(acmeRS)")]
            )
            #expect(response.status == status, "\(subaccount)")
            let open = try await httpRequest(
                .GET,
                port: fixture.ingest.port,
                "/api/messages/\(message)",
                headers: [("Authorization", "Bearer \(fullHS)")]
            )
            #expect(open.status == 200, "\(subaccount)")
        }
        let missing = try await httpRequest(
            .GET,
            port: fixture.ingest.port,
            "/api/messages/no-such-message",
            headers: [("Authorization", "Bearer \(acmeRS)")]
        )
        let outside = try await httpRequest(
            .GET,
            port: fixture.ingest.port,
            "/api/messages/\(messages["beta"]!)",
            headers: [("Authorization", "Bearer \(acmeRS)")]
        )
        #expect(missing.text == outside.text)
        // A token pinned to types sees the message, with only those events in its timeline.
        let opens = try await fixture.token("ES256", scope: ["types": ["open"]], kid: "ec-1")
        let timeline = try await httpRequest(
            .GET,
            port: fixture.ingest.port,
            "/api/messages/\(messages["beta"]!)",
            headers: [("Authorization", "Bearer \(opens)")]
        )
        #expect(timeline.status == 200)
        #expect(timeline.text.contains("\"type\":\"open\"") && !timeline.text.contains("\"type\":\"send\""))
        await fixture.stop()
        // Tokens given in the query are never logged, nor any other.
        for token in [acmeHS, acmeRS, acmeES, fullHS] {
            let signature = String(try #require(token.split(separator: ".").last))
            #expect(!fixture.gateway.log.contains(signature) && !fixture.ingest.log.contains(signature))
        }
        #expect(!fixture.gateway.log.contains("static-full-access") && !fixture.ingest.log.contains("static-full-access"))
    }

    @Test("expired, not yet valid, wrong-audience, wrong-key, alg none, RS256→HS256, truncated and oversized tokens get 401 on every path")
    func invalidTokens() async throws {
        let fixture = try await Fixture.start()
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = ["aud": Self.audience]
        let specs: [(String, [String: Any])] = [
            ("expired", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "exp_in": -120, "claims": claims]),
            ("not yet valid", ["alg": "RS256", "exp_in": 600, "claims": ["aud": Self.audience, "nbf": now + 300]]),
            ("wrong audience", ["alg": "ES256", "kid": "ec-1", "exp_in": 600, "claims": ["aud": "someone-else"]]),
            ("no exp", ["alg": "ES256", "kid": "ec-1", "claims": claims]),
            ("wrong key", ["alg": "HS256", "secret": "not-our-secret-0123456789abcdef012345", "kid": "k1", "exp_in": 600, "claims": claims]),
            ("alg none", ["alg": "none", "exp_in": 600, "claims": claims]),
            ("RS256 public key as HS256 secret", ["alg": "HS256-with-public-key", "exp_in": 600, "claims": claims]),
            ("truncated", ["alg": "RS256", "exp_in": 600, "claims": claims, "truncate": 4]),
            ("oversized", ["alg": "HS256", "secret": Self.secretK1, "kid": "k1", "exp_in": 600, "claims": claims, "pad_to": 20000]),
        ]
        let tokens = try await fixture.jose.mint(specs.map(\.1)) + ["not-a-token"]
        let names = specs.map(\.0) + ["garbage"]
        for (name, token) in zip(names, tokens) {
            let bearer = [("Authorization", "Bearer \(token)")]
            #expect(try await fixture.refusal(headers: bearer) == 401, "\(name): WebSocket, Bearer")
            #expect(try await fixture.refusal(headers: [("Sec-WebSocket-Protocol", "bearer, bearer.\(token)")]) == 401, "\(name): subprotocol")
            #expect(try await fixture.refusal("token=\(token)") == 401, "\(name): query")
            let events = try await httpRequest(.GET, port: fixture.ingest.port, "/api/events/", headers: bearer)
            #expect(events.status == 401, "\(name): /api/events/")
            #expect(events.headers.contains { $0.0.lowercased() == "www-authenticate" })
            let message = try await httpRequest(.GET, port: fixture.ingest.port, "/api/messages/any", headers: bearer)
            #expect(message.status == 401, "\(name): /api/messages/")
        }
        #expect(try await fixture.refusal() == 401)
        #expect(try await httpRequest(.GET, port: fixture.ingest.port, "/api/events/").status == 401)
        // What never needs a token.
        for path in ["/healthz", "/readyz", "/metrics", "/doc", "/openapi.json"] {
            #expect(try await httpRequest(.GET, port: fixture.ingest.port, path).status == 200, "\(path)")
        }
        for path in ["/", "/healthz", "/metrics"] {
            #expect(try await httpRequest(.GET, port: fixture.gateway.port, path).status == 200, "\(path)")
        }
        #expect(try await httpRequest(.HEAD, port: fixture.ingest.port, "/mandrill/events").status == 200)
        await fixture.stop()
    }

    @Test("a stream whose token expires gets token_expired, then close 4001")
    func expiryOnOpenStream() async throws {
        let fixture = try await Fixture.start()
        // Expired 15 s ago: inside the 30 s leeway (with room for a slow machine), so it connects and expires soon.
        let token = try await fixture.token("HS256", expiresIn: -15, kid: "k1")
        let (_, collector) = try await fixture.connect(headers: [("Authorization", "Bearer \(token)")])
        try await collector.waitForLive()
        try await collector.waitForClose()
        #expect(collector.snapshot.controls.contains { $0["control"] == "token_expired" })
        #expect(collector.snapshot.close?.code == 4001)
        await fixture.stop()
    }

    @Test("SIGHUP re-reads the JWKS file in both processes: new keys are accepted, removed ones refused")
    func reloadOnSIGHUP() async throws {
        let fixture = try await Fixture.start()
        let old = try await fixture.token("ES256", kid: "ec-1")
        #expect(try await fixture.refusal(headers: [("Authorization", "Bearer \(old)")]) == nil)
        let rotated = try await JoseTokens()
        try FileManager.default.removeItem(atPath: fixture.jose.jwksFile)
        try FileManager.default.copyItem(atPath: rotated.jwksFile, toPath: fixture.jose.jwksFile)
        fixture.gateway.process.signal(SIGHUP)
        fixture.ingest.process.signal(SIGHUP)
        let new = try await rotated.mint(["alg": "RS256", "kid": "rsa-1", "exp_in": 600, "claims": ["aud": Self.audience]])
        try await waitUntil("the gateway to accept the new key") { try await fixture.refusal(headers: [("Authorization", "Bearer \(new)")]) == nil }
        try await waitUntil("the ingest to accept the new key") {
            try await httpRequest(.GET, port: fixture.ingest.port, "/api/events/", headers: [("Authorization", "Bearer \(new)")]).status == 200
        }
        #expect(try await fixture.refusal(headers: [("Authorization", "Bearer \(old)")]) == 401)
        #expect(try await httpRequest(.GET, port: fixture.ingest.port, "/api/events/", headers: [("Authorization", "Bearer \(old)")]).status == 401)
        // Both processes are still up and serving after the signal.
        #expect(fixture.gateway.process.isRunning && fixture.ingest.process.isRunning)
        await fixture.stop()
        #expect(fixture.gateway.log.contains("JWKS file re-read on SIGHUP"))
    }

    @Test("a Host that is not allowed gets 421 on the paths that serve events or the dashboard, never on webhooks and health")
    func dnsRebinding() async throws {
        let fixture = try await Fixture.start()
        let token = try await fixture.token("HS256", kid: "k1")
        let evil = [("Host", "rebound.attacker.example:\(fixture.gateway.port)"), ("Authorization", "Bearer \(token)")]
        #expect(try await fixture.refusal(headers: evil) == 421)
        #expect(try await httpRequest(.GET, port: fixture.gateway.port, "/", headers: evil).status == 421)
        #expect(try await httpRequest(.GET, port: fixture.ingest.port, "/api/events/", headers: evil).status == 421)
        #expect(try await httpRequest(.GET, port: fixture.ingest.port, "/api/messages/x", headers: evil).status == 421)
        #expect(try await httpRequest(.GET, port: fixture.gateway.port, "/healthz", headers: evil).status == 200)
        #expect(try await httpRequest(.GET, port: fixture.ingest.port, "/readyz", headers: evil).status == 200)
        #expect(try await httpRequest(.HEAD, port: fixture.ingest.port, "/mandrill/events", headers: evil).status == 200)
        // A page of another origin is refused even with a valid token.
        let foreign = [("Origin", "http://rebound.attacker.example"), ("Authorization", "Bearer \(token)")]
        #expect(try await fixture.refusal(headers: foreign) == 403)
        #expect(
            try await fixture.refusal(headers: [("Origin", "http://127.0.0.1:\(fixture.gateway.port)"), ("Authorization", "Bearer \(token)")]) == nil
        )
        await fixture.stop()
    }

    @Test("on a public address with no token option, the read API and the streams answer 403 saying what to set, unless --public-read")
    func publicAddressWithoutTokens() async throws {
        let redis = try await RedisServer()
        // The last --host wins: listen on every address, as a deployment would.
        let ingest = try await ProductProcess.startIngest(
            signedURL: Self.signedURL,
            keys: Self.webhookKey,
            arguments: ["--redis-url", redis.url, "--host", "0.0.0.0"]
        )
        let gateway = try await ProductProcess.start("ws-gateway", arguments: ["--redis-url", redis.url, "--host", "0.0.0.0"])
        let refused = try await httpRequest(.GET, port: ingest.port, "/api/events/")
        #expect(refused.status == 403)
        #expect(refused.text.contains("--jwt-secrets") && refused.text.contains("--public-read"))
        guard case .rejected(let status, _, let body) = try await WebSocketClient.connect(port: gateway.port, path: "/ws/email/") else {
            Issue.record("stream opened without a token on a public address")
            return
        }
        #expect(status == 403 && body.contains("--jwt-secrets"))
        #expect(try await httpRequest(.HEAD, port: ingest.port, "/mandrill/events").status == 200)
        await ingest.terminate()
        await gateway.terminate()
        let open = try await ProductProcess.startIngest(
            signedURL: Self.signedURL,
            keys: Self.webhookKey,
            arguments: ["--redis-url", redis.url, "--host", "0.0.0.0", "--public-read"]
        )
        #expect(try await httpRequest(.GET, port: open.port, "/api/events/").status == 200)
        await open.terminate()
    }

    static func ids(in body: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let events = object["events"] as? [[String: Any]]
        else {
            return ["<not a page>"]
        }
        return events.compactMap { $0["id"] as? String }
    }
}
