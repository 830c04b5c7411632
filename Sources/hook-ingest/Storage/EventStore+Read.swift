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
        let entries = try await entries(at: events.map(\.0))
        let timeline = zip(events, entries).map { event, entry in
            MessageRecord.TimelineEntry(id: event.0, type: event.1, envelope: entry?.envelope, attributes: entry?.attributes)
        }
        if snapshot.map({ (try? JSONValidator.validate($0)) == nil }) == true { snapshot = nil }
        return MessageRecord(snapshot: snapshot, snapshotTimestamp: snapshotTimestamp, timeline: timeline)
    }

    /// How many of a message's events are read at once. The reads share the one command connection, pipelined, so
    /// a message with thousands of events must not queue thousands of commands ahead of every other request.
    static let timelineReadsInFlight = 32

    /// The stream entries at `ids`, in the order of `ids` (`nil` where the stream no longer holds one). The reads
    /// go out together, ``timelineReadsInFlight`` at a time, rather than one round trip after another.
    func entries(at ids: [StreamID]) async throws(RedisError) -> [StreamEntry?] {
        let connection = redis.connection
        let stream = keys.stream
        let outcome: Result<[StreamEntry?], RedisError> = await withTaskGroup(of: (Int, Result<StreamEntry?, RedisError>).self) { group in
            var entries = [StreamEntry?](repeating: nil, count: ids.count)
            var started = 0
            var finished = 0
            while finished < ids.count {
                while started < ids.count, started - finished < Self.timelineReadsInFlight {
                    let index = started
                    let id = ids[index].description
                    group.addTask {
                        do throws(RedisError) {
                            let page = try await StreamPage.read(RedisCommand("XRANGE", stream, id, id), requested: 1, on: connection)
                            return (index, .success(page.entries.first))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                    started += 1
                }
                guard let (index, result) = await group.next() else { break }
                finished += 1
                switch result {
                case .success(let entry): entries[index] = entry
                case .failure(let error): return .failure(error)
                }
            }
            return .success(entries)
        }
        return try outcome.get()
    }
}
