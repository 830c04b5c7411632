import Common
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Simulation
import TestSupport
import Testing

@testable import hook_ingest

@Suite("hook-ingest: Mandrill's HTTP protocol")
struct WebhookProtocolTests {
    private func events(_ count: Int, seed: UInt64 = 1) -> [SimJSON] {
        var factory = EventFactory(seed: seed)
        return factory.batch(size: count)
    }

    @Test("HEAD and GET on a registration path answer 200 without any key")
    func urlCheck() async throws {
        let redis = try await RedisServer()
        try await IngestHarness(redis: redis).run { client in
            try await client.execute(uri: IngestHarness.path, method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: IngestHarness.path, method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("anything but a form body gets 415 and stores nothing")
    func notFormEncoded() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        try await IngestHarness(redis: redis).run { client in
            let batch = SignedBatch(events: events(1), signedURL: IngestHarness.url, key: IngestHarness.key)
            for contentType in ["application/json", "multipart/form-data; boundary=x", "text/plain"] {
                let response = try await client.execute(
                    uri: IngestHarness.path,
                    method: .post,
                    headers: [.contentType: contentType, HTTPField.Name("X-Mandrill-Signature")!: batch.signature],
                    body: ByteBuffer(bytes: batch.body)
                )
                #expect(response.status == .unsupportedMediaType)
            }
            let noType = try await client.execute(uri: IngestHarness.path, method: .post, body: ByteBuffer(bytes: batch.body))
            #expect(noType.status == .unsupportedMediaType)
            // The charset parameter is fine.
            let withCharset = try await client.post(batch, extraHeaders: [:])
            #expect(withCharset.status == .ok)
        }
        #expect(try await checker.streamLength() == 1)
        await checker.shutdown()
    }

    @Test(
        "the form media type is recognised in any case, with parameters and blanks around it",
        arguments: [
            ("application/x-www-form-urlencoded", true), ("Application/X-WWW-Form-URLEncoded", true),
            ("application/x-www-form-urlencoded; charset=utf-8", true), (" \tapplication/x-www-form-urlencoded ;x", true),
            ("application/x-www-form-urlencodedx", false), ("application/x-www-form-urlencode", false), ("", false),
            ("application\u{0F}x-www-form-urlencoded", false), ("application/json", false), ("; application/x-www-form-urlencoded", false),
        ]
    )
    func formMediaType(contentType: String, accepted: Bool) {
        #expect(FormBody.isFormMediaType(contentType) == accepted)
    }

    @Test("a body over the limit gets 413")
    func tooLarge() async throws {
        let redis = try await RedisServer()
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.webhook.maxBodyBytes = 4096 }
        try await harness.run { client in
            let response = try await client.post(SignedBatch(events: events(20), signedURL: IngestHarness.url, key: IngestHarness.key))
            #expect(response.status == .contentTooLarge)
        }
    }

    @Test("form errors get 400: repeated field, invalid UTF-8, broken escape")
    func formErrors() async throws {
        let redis = try await RedisServer()
        try await IngestHarness(redis: redis).run { client in
            for body in ["mandrill_events=%5B%5D&mandrill_events=%5B%5D", "mandrill_events=%FF", "mandrill_events=%5"] {
                let response = try await client.execute(
                    uri: IngestHarness.path,
                    method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Mandrill-Signature")!: "x"],
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .badRequest, "\(body)")
            }
        }
    }

    @Test("missing or wrong signatures get 401 with no detail; any configured key verifies")
    func signatures() async throws {
        let redis = try await RedisServer()
        let harness = try IngestHarness(redis: redis)
        try await harness.run { client in
            let valid = SignedBatch(events: events(2), signedURL: IngestHarness.url, key: IngestHarness.key)
            var unsigned: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let missing = try await client.execute(uri: IngestHarness.path, method: .post, headers: unsigned, body: ByteBuffer(bytes: valid.body))
            #expect(missing.status == .unauthorized)
            unsigned[HTTPField.Name("X-Mandrill-Signature")!] = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
            let wrong = try await client.execute(uri: IngestHarness.path, method: .post, headers: unsigned, body: ByteBuffer(bytes: valid.body))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text == #"{"error":"unauthorized"}"#)
            // Signed over another URL (http instead of https): what a TLS-terminating proxy causes.
            let otherURL = try await client.post(
                SignedBatch(events: events(2), signedURL: "http://hooks.example.com/mandrill/events", key: IngestHarness.key)
            )
            #expect(otherURL.status == .unauthorized)
            #expect(try await client.post(valid).status == .ok)
            let rotated = try await client.post(SignedBatch(events: events(2, seed: 9), signedURL: IngestHarness.url, key: "rotated-in-key"))
            #expect(rotated.status == .ok)
        }
        #expect(!harness.logs.text.contains(IngestHarness.key))
        #expect(!harness.logs.text.contains("rotated-in-key"))
    }

    @Test("the public test-webhook key passes only for an empty batch")
    func testWebhookKey() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        try await IngestHarness(redis: redis).run { client in
            let empty = try await client.post(SignedBatch(mandrillEvents: "[]", signedURL: IngestHarness.url, key: "test-webhook"))
            #expect(empty.status == .ok)
            #expect(empty.counts?.received == 0)
            let nonEmpty = try await client.post(SignedBatch(events: events(1), signedURL: IngestHarness.url, key: "test-webhook"))
            #expect(nonEmpty.status == .unauthorized)
        }
        #expect(try await checker.streamLength() == 0)
        await checker.shutdown()
    }

    @Test("with no registration, /api/hook/ answers Mandrill's checks and nothing else")
    func unconfigured() async throws {
        let redis = try await RedisServer()
        var harness = try IngestHarness(redis: redis, registrations: [])
        harness.registrations = []
        try await harness.run { client in
            try await client.execute(uri: "/api/hook/", method: .head) { #expect($0.status == .ok) }
            let url = WebhookRegistration.unconfigured.url
            #expect(try await client.post(SignedBatch(mandrillEvents: "[]", signedURL: url, key: "test-webhook"), path: "/api/hook/").status == .ok)
            #expect(
                try await client.post(SignedBatch(events: events(1), signedURL: url, key: "anything"), path: "/api/hook/").status == .unauthorized
            )
        }
        #expect(harness.logs.text.contains("No webhook registration configured"))
    }

    @Test("credentials in the URL must come as Basic auth, and are part of the signed URL")
    func basicAuth() async throws {
        let redis = try await RedisServer()
        let url = "https://mandrill:hunter2@hooks.example.com/secure?source=query-s3cret"
        let registration = try WebhookRegistration(url: url, keys: ["k"])
        #expect(registration.path == "/secure")
        let harness = try IngestHarness(redis: redis, registrations: [registration])
        try await harness.run { client in
            let batch = SignedBatch(events: events(1), signedURL: url, key: "k")
            // Mandrill posts to the URL as registered, query string included.
            let withQuery = try await client.post(batch, path: "/secure?source=query-s3cret")
            #expect(withQuery.status == .unauthorized)
            let none = try await client.post(batch, path: "/secure")
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] != nil)
            let wrongPassword = "Basic " + Data("mandrill:nope".utf8).base64EncodedString()
            #expect(try await client.post(batch, path: "/secure", extraHeaders: [.authorization: wrongPassword]).status == .unauthorized)
            let right = "Basic " + Data("mandrill:hunter2".utf8).base64EncodedString()
            #expect(try await client.post(batch, path: "/secure", extraHeaders: [.authorization: right]).status == .ok)
        }
        #expect(!harness.logs.text.contains("hunter2"))
        #expect(!harness.logs.text.contains("query-s3cret"), "neither credentials nor the URL's query string are logged")
    }

    @Test(
        "a batch that is not a JSON array of objects gets 400 and nothing of it is stored",
        arguments: ["{}", "[{},1]", "[{\"event\":\"open\"", "not json", "[{}]]"]
    )
    func badBatch(json: String) async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        try await IngestHarness(redis: redis).run { client in
            let response = try await client.post(SignedBatch(mandrillEvents: json, signedURL: IngestHarness.url, key: IngestHarness.key))
            #expect(response.status == .badRequest)
            #expect(response.text.contains("JSON array of objects"))
        }
        #expect(try await checker.streamLength() == 0)
        await checker.shutdown()
    }

    @Test("everything real payloads contain is accepted: every type, both sync kinds, inbound, and the quirks")
    func lenient() async throws {
        let redis = try await RedisServer()
        let checker = redis.client()
        var factory = EventFactory(seed: 11)
        let batch =
            factory.batch(size: 39) + [
                .object([("event", .string("sms_delivered")), ("_id", .string("sms1")), ("ts", .int(5))]),
                .object([("whatever", .string("new shape"))]),
            ]
        try await IngestHarness(redis: redis).run { client in
            let response = try await client.post(events: batch)
            #expect(response.status == .ok)
            #expect(response.counts?.stored == 41)
        }
        let entries = try await checker.streamEntries()
        #expect(Set(entries.map(\.type)).isSuperset(of: Set(EventFactory.allTypes)))
        #expect(entries.contains { $0.type == "sms_delivered" })
        #expect(entries.contains { $0.type == "unknown" })
        await checker.shutdown()
    }
}
