import Common

extension EventStore {
    /// A page of the newest events matching `filter`, newest first.
    struct EventPage: Sendable {
        let envelopes: [[UInt8]]
        /// Pass as `before` to read further back; `nil` when the stream has nothing older.
        let nextBefore: StreamID?

        static let empty = EventPage(envelopes: [], nextBefore: nil)
    }

    /// How many stream entries one API call examines at most, so that a filter matching nothing cannot make a
    /// request walk the whole stream.
    static let scanBudget = 10_000

    func recentEvents(matching filter: EventFilter, limit: Int, before: StreamID?) async throws(RedisError) -> EventPage {
        // Nothing is older than 0-0, and Redis refuses `(0-0` as the end of a range: asking would turn a valid
        // request into an error (and a 503) instead of the empty page it deserves.
        if before == .zero { return EventPage(envelopes: [], nextBefore: nil) }
        var envelopes: [[UInt8]] = []
        var cursor = before
        var scanned = 0
        let pageSize = filter.matchesEverything ? limit : max(limit * 4, 200)
        while envelopes.count < limit, scanned < Self.scanBudget {
            let end = cursor.map { "(" + $0.description } ?? "+"
            let page = try await StreamPage.read(
                RedisCommand("XREVRANGE", keys.stream, end, "-", "COUNT", String(pageSize)),
                requested: pageSize,
                on: redis.connection
            )
            for entry in page.entries where envelopes.count < limit {
                cursor = entry.id
                if filter.matchesEverything || filter.matches(entry.attributes) {
                    envelopes.append(entry.envelope)
                }
            }
            if envelopes.count < limit, let last = page.lastID { cursor = last }
            scanned += page.count
            if page.reachedEnd {
                // Reached the oldest entry.
                return EventPage(envelopes: envelopes, nextBefore: envelopes.count == limit ? cursor : nil)
            }
        }
        return EventPage(envelopes: envelopes, nextBefore: cursor)
    }

    /// A message's record: its newest `msg` snapshot and the timeline of its events, oldest first.
    struct MessageRecord: Sendable {
        struct TimelineEntry: Sendable {
            let id: StreamID
            let type: String
            /// The full envelope, or `nil` once the stream no longer holds the event.
            let envelope: [UInt8]?
            /// The envelope's filter attributes, when the envelope is there.
            let attributes: EventAttributes?
        }

        let snapshot: [UInt8]?
        let snapshotTimestamp: String?
        let timeline: [TimelineEntry]
    }

    func message(id: String) async throws(RedisError) -> MessageRecord? {
        let reply = try await redis.send("HGETALL", keys.message(id))
        guard let fields = reply.array, !fields.isEmpty else { return nil }
        var snapshot: [UInt8]?
        var snapshotTimestamp: String?
        var events: [(StreamID, String)] = []
        var index = 0
        while index + 1 < fields.count {
            let name = fields[index].string ?? ""
            if name == "msg" {
                snapshot = fields[index + 1].bytes
            } else if name == "msg_ts" {
                snapshotTimestamp = fields[index + 1].string
            } else if name.hasPrefix("e:"), let streamID = StreamID(name.dropFirst(2)) {
                events.append((streamID, fields[index + 1].string ?? ""))
            }
            index += 2
        }
        events.sort { $0.0 < $1.0 }
        var timeline: [MessageRecord.TimelineEntry] = []
        for (streamID, type) in events {
            let id = streamID.description
            let entry = try await StreamPage.read(RedisCommand("XRANGE", keys.stream, id, id), requested: 1, on: redis.connection).entries.first
            timeline.append(.init(id: streamID, type: type, envelope: entry?.envelope, attributes: entry?.attributes))
        }
        if snapshot.map({ (try? JSONValidator.validate($0)) == nil }) == true { snapshot = nil }
        return MessageRecord(snapshot: snapshot, snapshotTimestamp: snapshotTimestamp, timeline: timeline)
    }
}
