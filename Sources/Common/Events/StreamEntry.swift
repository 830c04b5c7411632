/// One entry of the events stream, as XRANGE / XREVRANGE return it: `[id, [type, …, email, …, event, …]]`.
package struct StreamEntry: Sendable {
    package let id: StreamID
    package let type: String
    package let email: String
    package let event: [UInt8]

    /// Reads one entry of an XRANGE reply; `nil` for entries that are not ours (written by hand, say).
    package init?(_ value: RedisValue) {
        guard let parts = value.array, parts.count == 2, let idText = parts[0].string, let id = StreamID(idText),
            let fields = parts[1].array
        else { return nil }
        var type: String?
        var email = ""
        var event: [UInt8]?
        var index = 0
        while index + 1 < fields.count {
            switch fields[index].string {
            case "type": type = fields[index + 1].string
            case "email": email = fields[index + 1].string ?? ""
            case "event": event = fields[index + 1].bytes
            default: break
            }
            index += 2
        }
        guard let type, let event else { return nil }
        self.id = id
        self.type = type
        self.email = email
        self.event = event
    }

    /// Reads a whole XRANGE reply.
    package static func entries(in reply: RedisValue) -> [StreamEntry] {
        (reply.array ?? []).compactMap(StreamEntry.init)
    }

    /// The id of the last entry of an XRANGE reply, ours or not: the cursor for the next page.
    package static func lastID(in reply: RedisValue) -> StreamID? {
        reply.array?.last?.array?.first?.string.flatMap { StreamID($0) }
    }

    /// The same bytes the channel carried for this event.
    package var envelope: [UInt8] {
        Envelope.make(id: id.description, type: type, email: email, event: event)
    }

    /// Filter attributes; the event is validated first because anyone with Redis access can write to the stream.
    package var attributes: EventAttributes {
        let parsed: RawJSON? = (try? JSONValidator.validate(event)).map { RawJSON(validated: event) }
        return EventAttributes(type: type, email: email, event: parsed)
    }
}
