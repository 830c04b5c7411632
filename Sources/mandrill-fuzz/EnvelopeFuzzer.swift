import Common

/// The envelope is built in one process (hook-ingest's Lua script, from ``Envelope/head(type:email:)``) and read
/// in another (each gateway, live from the channel or replayed from the stream); both readings must agree.
enum EnvelopeFuzzer {
    static func run(_ input: [UInt8]) {
        readEnvelope(input)
        // The same bytes read as a batch: every event must come back out of an envelope unchanged.
        BatchChecks.check(json: String(decoding: input, as: UTF8.self))
    }

    /// Anything may be PUBLISHed on the channel. Whatever the gateway accepts must give the same routing when it
    /// is rebuilt from its parts, since a resuming client gets the rebuilt bytes.
    private static func readEnvelope(_ input: [UInt8]) {
        // API: EnvelopeSummary(envelope:).
        guard let summary = try? EnvelopeSummary(envelope: input) else { return }
        let root = RawJSON(validated: input)
        invariant(root.kind == .object, "an envelope that is not an object was accepted")
        let event = root.members.last { $0.key == "event" }?.value
        let rebuilt = Envelope.make(
            id: summary.id.description,
            type: summary.attributes.type,
            email: summary.attributes.email,
            event: event.map { Array($0.rawBytes) } ?? Array("null".utf8)
        )
        let again = try? EnvelopeSummary(envelope: rebuilt)
        invariant(again?.id == summary.id, "rebuilt envelope has id \(String(describing: again?.id)), not \(summary.id)")
        invariant(again?.attributes == summary.attributes, "rebuilt envelope routes differently")
    }

    /// An accepted event as the ingest publishes it and as a gateway replays it from XRANGE: same bytes, same
    /// filter attributes.
    static func republish(_ event: MandrillEvent, id: StreamID) {
        let eventBytes = Array(event.raw.rawBytes)
        let envelope = Envelope.make(id: id.description, head: Envelope.head(type: event.type, email: event.email), event: eventBytes[...])
        let expected = EventAttributes(type: event.type, email: event.email, event: event.raw)

        let summary = try? EnvelopeSummary(envelope: envelope)
        invariant(summary != nil, "an envelope built by the ingest does not read back")
        invariant(summary?.id == id, "envelope id \(String(describing: summary?.id)) instead of \(id)")
        invariant(summary?.attributes == expected, "envelope attributes \(String(describing: summary?.attributes)) instead of \(expected)")

        let entry = StreamEntry(
            .array([
                .bulk(Array(id.description.utf8)),
                .array([
                    .bulk(Array("type".utf8)), .bulk(Array(event.type.utf8)), .bulk(Array("email".utf8)), .bulk(Array(event.email.utf8)),
                    .bulk(Array("event".utf8)), .bulk(eventBytes),
                ]),
            ])
        )
        invariant(entry?.envelope == envelope, "the stream replays different bytes than the channel carried")
        invariant(entry?.attributes == expected, "the stream replay routes differently")
    }
}
