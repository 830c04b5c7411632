import Common
import Simulation

/// Envelopes of the default event mix (``EventMix/default``), made before the clock starts so that publishing
/// costs no more than with padded events: a pool of simulator events, every type in turn, cycled over.
///
/// Each is published as the envelope hook-ingest would publish (its `type` and `email` read by
/// ``MandrillEvent``), with `"bench_ts":<now>` inserted as the event's first member for latency runs.
struct MixedEnvelopes: Sendable {
    /// Envelope head (`"type":…,"email":…,"event":`) and the event's bytes after its opening brace.
    private let pool: [(head: [UInt8], eventTail: [UInt8])]

    /// `perType` events of every type: several variants of each, since the factory varies optional parts.
    init(perType: Int = 20) {
        var factory = EventFactory(seed: 1)
        pool = factory.batch(size: perType * EventFactory.allTypes.count).map { event in
            let bytes = Array(event.encoded.utf8)
            let parsed = MandrillEvent(raw: RawJSON(validated: bytes))
            return (Envelope.head(type: parsed.type, email: parsed.email), Array(bytes.dropFirst()))
        }
    }

    /// The envelope published as number `sequence`, with stream id `id`.
    func envelope(sequence: Int, id: String, timestamp: Int64) -> [UInt8] {
        let (head, eventTail) = pool[sequence % pool.count]
        var event = Array("{\"bench_ts\":\(timestamp),".utf8)
        event.reserveCapacity(event.count + eventTail.count)
        event += eventTail
        return Envelope.make(id: id, head: head, event: event[...])
    }
}
