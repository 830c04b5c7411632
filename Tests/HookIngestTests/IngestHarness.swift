import Common
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import NetClients
import Simulation
import TestSupport
import Testing

@testable import hook_ingest

/// Runs hook-ingest in process against a real Redis, on an ephemeral port.
struct IngestHarness {
    static let url = "https://hooks.example.com/mandrill/events"
    static let key = "primary-key"
    static let path = "/mandrill/events"

    let redis: RedisServer
    var registrations: [WebhookRegistration]
    var configure: (inout IngestConfiguration) -> Void = { _ in }
    /// What the process logged, for tests of what it logs and never logs.
    let logs = InMemoryLogHandler()

    init(redis: RedisServer, registrations: [WebhookRegistration]? = nil) throws {
        self.redis = redis
        self.registrations = try registrations ?? [WebhookRegistration(url: Self.url, keys: ["rotated-in-key", Self.key])]
    }

    /// For multi-megabyte batches: the 2 s Redis command limit of ``run(_:)`` is sized for tests of what happens
    /// when Redis does not answer, and a debug build storing a 4 MiB event while the whole suite loads two cores
    /// may need more (Redis timeouts do show up in loaded CI logs). These tests are about what is stored, not how
    /// fast.
    static func patientWithRedis(_ redis: RedisServer) throws -> IngestHarness {
        var harness = try IngestHarness(redis: redis)
        harness.configure = { $0.redis.commandTimeout = .seconds(30) }
        return harness
    }

    func run(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var configuration = IngestConfiguration()
        configuration.port = 0
        configuration.redis = try RedisConfiguration(url: redis.url)
        configuration.redis.commandTimeout = .seconds(2)
        configuration.registrations = registrations
        configure(&configuration)
        // A logger of its own, no global bootstrap: other tests are not affected.
        var logger = Logger(label: "hook-ingest") { [logs] _ in logs }
        logger.logLevel = .debug
        let app = try await buildApplication(configuration, logger: logger)
        try await app.test(.live, test)
    }
}

extension TestClientProtocol {
    /// POSTs a batch the way Mandrill does.
    func post(_ batch: SignedBatch, path: String = IngestHarness.path, extraHeaders: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extraHeaders
        for (name, value) in batch.headers { headers[HTTPField.Name(name)!] = value }
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: batch.body))
    }

    /// POSTs a batch on a connection of its own that waits as long as the server takes. The test client gives up
    /// after 20 s with no answer, which a multi-megabyte body parsed by a debug build can need when the whole suite
    /// shares two cores.
    func postWithoutDeadline(_ batch: SignedBatch, path: String = IngestHarness.path) async throws -> HTTPClientConnection.Response {
        try await httpRequest(.POST, port: try #require(port), path, headers: batch.headers, body: batch.body)
    }

    func post(
        events: [SimJSON],
        url: String = IngestHarness.url,
        key: String = IngestHarness.key,
        path: String = IngestHarness.path
    ) async throws -> TestResponse {
        try await post(SignedBatch(events: events, signedURL: url, key: key), path: path)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var counts: (received: Int, stored: Int, duplicates: Int)? { BatchCounts.parse(text) }
}

extension HTTPClientConnection.Response {
    var counts: (received: Int, stored: Int, duplicates: Int)? { BatchCounts.parse(text) }
}

private enum BatchCounts {

    /// The counts of a 200 answer.
    static func parse(_ text: String) -> (received: Int, stored: Int, duplicates: Int)? {
        func value(_ key: String) -> Int? {
            guard let range = text.range(of: "\"\(key)\":") else { return nil }
            return Int(text[range.upperBound...].prefix { $0.isNumber })
        }
        guard let received = value("received"), let stored = value("stored"), let duplicates = value("duplicates") else { return nil }
        return (received, stored, duplicates)
    }
}

extension RedisClient {
    func streamLength(_ keys: RedisKeys = RedisKeys()) async throws -> Int {
        try await send("XLEN", keys.stream).int ?? -1
    }

    func streamEntries(_ keys: RedisKeys = RedisKeys()) async throws -> [StreamEntry] {
        StreamEntry.entries(in: try await send("XRANGE", keys.stream, "-", "+"))
    }
}
