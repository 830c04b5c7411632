/// One entry of the events stream, as XRANGE / XREVRANGE return it: `[id, [type, …, email, …, event, …]]`.
///
/// A large event (see hook-ingest's retention) has `event_ref` (the key holding its JSON) and `event_bytes`
/// instead of `event`; ``StreamPage`` fetches those bodies, and an entry whose body is gone carries `null`.
package struct StreamEntry: Sendable {
    package let id: StreamID
    package let type: String
    package let email: String
    /// The event's JSON; empty while a reference is not resolved yet.
    package private(set) var event: [UInt8]
    /// The key holding the event's JSON, for a large event that is not resolved yet.
    package private(set) var reference: String?
    /// Size of the event's JSON (known for references before they are fetched).
    package let eventBytes: Int

    /// Reads one entry of an XRANGE reply; `nil` for entries that are not ours (written by hand, say).
    package init?(_ value: RedisValue) {
        guard let parts = value.array, parts.count == 2, let idText = parts[0].string, let id = StreamID(idText),
            let fields = parts[1].array
        else { return nil }
        var type: String?
        var email = ""
        var event: [UInt8]?
        var reference: String?
        var referenceBytes = 0
        var index = 0
        while index + 1 < fields.count {
            switch fields[index].string {
            case "type": type = fields[index + 1].string
            case "email": email = fields[index + 1].string ?? ""
            case "event": event = fields[index + 1].bytes
            case "event_ref": reference = fields[index + 1].string
            case "event_bytes": referenceBytes = fields[index + 1].string.flatMap { Int($0) } ?? 0
            default: break
            }
            index += 2
        }
        guard let type, event != nil || reference != nil else { return nil }
        // Anyone with Redis access can write to the stream: an event that is not UTF-8 JSON is not ours, and
        // must never reach a client as a text frame.
        if let event, (try? JSONValidator.validate(event)) == nil { return nil }
        self.id = id
        self.type = type
        self.email = email
        self.event = event ?? []
        self.reference = event == nil ? reference : nil
        self.eventBytes = event?.count ?? max(0, referenceBytes)
    }

    /// Reads a whole XRANGE reply.
    package static func entries(in reply: RedisValue) -> [StreamEntry] {
        (reply.array ?? []).compactMap(StreamEntry.init)
    }

    /// The id of the last entry of an XRANGE reply, ours or not: the cursor for the next page.
    package static func lastID(in reply: RedisValue) -> StreamID? {
        reply.array?.last?.array?.first?.string.flatMap { StreamID($0) }
    }

    /// The entry ids of an `XRANGE`/`XREVRANGE` reply, in reply order.
    package static func ids(in reply: RedisValue) -> [StreamID] {
        (reply.array ?? []).compactMap { $0.array?.first?.string.flatMap { StreamID($0) } }
    }

    /// Fills in a referenced event's JSON; `nil` (the body was dropped or expired) leaves the event `null`.
    package mutating func resolve(_ body: [UInt8]?) {
        guard reference != nil else { return }
        reference = nil
        event = body.flatMap { (try? JSONValidator.validate($0)) == nil ? nil : $0 } ?? Array("null".utf8)
    }

    /// The same bytes the channel carried for this event.
    package var envelope: [UInt8] {
        Envelope.make(id: id.description, type: type, email: email, event: event.isEmpty ? Array("null".utf8) : event)
    }

    /// Filter attributes (the event was validated when the entry was read or resolved).
    package var attributes: EventAttributes {
        EventAttributes(type: type, email: email, event: event.isEmpty ? nil : RawJSON(validated: event))
    }
}
