import Common
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationEssentialsCompat
import Simulation
import TestSupport
import Testing

@testable import hook_ingest

@Suite("hook-ingest: read API, health and metrics")
struct ReadAPITests {
    private func ids(_ response: TestResponse) throws -> (ids: [String], types: [String], next: String?) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]], "\(String(buffer: response.body))")
        return (events.compactMap { $0["id"] as? String }, events.compactMap { $0["type"] as? String }, object["next_before"] as? String)
    }

    @Test("recent events: newest first, limit, paging with before, and each filter")
    func recentEvents() async throws {
        let redis = try await RedisServer()
        var factory = EventFactory(seed: 4)
        let batch = factory.batch(size: 26)
        try await IngestHarness(redis: redis).run { client in
            #expect(try await client.post(events: batch).status == .ok)
            let all = try ids(try await client.execute(uri: "/api/events/?limit=1000", method: .get))
            #expect(all.ids.count == 26)
            let streamIDs = try all.ids.map { try #require(StreamID($0)) }
            #expect(streamIDs == streamIDs.sorted(by: >))
            #expect(all.next == nil)

            let first = try ids(try await client.execute(uri: "/api/events/?limit=10", method: .get))
            #expect(first.ids == Array(all.ids.prefix(10)))
            let second = try ids(try await client.execute(uri: "/api/events/?limit=10&before=\(try #require(first.next))", method: .get))
            #expect(second.ids == Array(all.ids[10..<20]))

            let opens = try ids(try await client.execute(uri: "/api/events/?type=open,click", method: .get))
            #expect(Set(opens.types) == ["open", "click"])
            #expect(opens.ids.count == 4)

            let inbound = try ids(try await client.execute(uri: "/api/events/?email=SUPPORT@inbound.example.com", method: .get))
            #expect(inbound.types == ["inbound", "inbound"])

            let tagged = try await client.execute(uri: "/api/events/?tag=welcome&limit=1000", method: .get)
            #expect(String(buffer: tagged.body).contains("\"welcome\""))
            let acme = try await client.execute(uri: "/api/events/?subaccount=acme-eu&limit=1000", method: .get)
            let acmeIDs = try ids(acme).ids
            #expect(!acmeIDs.isEmpty && acmeIDs.count < 26)
        }
    }

    @Test("bad query values get 400", arguments: ["limit=0", "limit=1001", "limit=x", "before=yesterday"])
    func badQueries(query: String) async throws {
        let redis = try await RedisServer()
        try await IngestHarness(redis: redis).run { client in
            try await client.execute(uri: "/api/events/?\(query)", method: .get) { #expect($0.status == .badRequest) }
        }
    }

    /// Found by schemathesis: `before=0` used to reach Redis as `(0-0`, which Redis refuses, and came back as a 503.
    @Test("before the smallest stream id is an empty last page, not an error", arguments: ["0", "0-0", "000-0"])
    func beforeZero(before: String) async throws {
        let redis = try await RedisServer()
        var factory = EventFactory(seed: 7)
        let batch = factory.batch(size: 2)
        try await IngestHarness(redis: redis).run { client in
            #expect(try await client.post(events: batch).status == .ok)
            let response = try await client.execute(uri: "/api/events/?before=\(before)", method: .get)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let page = try ids(response)
            #expect(page.ids.isEmpty)
            #expect(page.next == nil)
        }
    }

    @Test("metrics count stored and duplicate events")
    func metrics() async throws {
        let redis = try await RedisServer()
        var factory = EventFactory(seed: 6)
        let batch = factory.batch(size: 3)
        try await IngestHarness(redis: redis).run { client in
            _ = try await client.post(events: batch)
            _ = try await client.post(events: batch)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains(#"mandrill_ingest_events_total{result="stored"} 3"#))
            #expect(text.contains(#"mandrill_ingest_events_total{result="duplicate"} 3"#))
            #expect(text.contains("mandrill_ingest_redis_connected 1"))
        }
    }
}
