import Benchmark
import Common
import Simulation

/// Inputs built once, outside every measured loop: signed POST bodies exactly as Mandrill sends them, made by the
/// simulator with its default mix (every event type in turn, inbound mail with its attachment included).
enum Fixtures {
    static let url = "https://hooks.example.com/mandrill/events"
    static let key = "microbenchmark-webhook-key"

    /// One `send` event: the usual batch when traffic is low (Mandrill posts what it has).
    static let oneEvent = signedBatch(size: 1)
    /// 100 events, all 13 types in turn: a busy period's batch.
    static let hundredEvents = signedBatch(size: 100)

    /// The two batches with the names the benchmarks carry.
    static let batches: [(name: String, batch: SignedBatch)] = [("1 event", oneEvent), ("100 events", hundredEvents)]

    /// The decoded form of a batch, as signature verification and batch parsing receive it.
    static func form(_ batch: SignedBatch) -> FormBody {
        guard let form = try? FormBody(decodingInPlace: batch.body), form.valueRange(named: "mandrill_events") != nil else {
            fatalError("the simulator's batch is not a form with mandrill_events")
        }
        return form
    }

    /// The parsed events of the 100-event batch.
    static let events: [MandrillEvent] = {
        let form = Fixtures.form(hundredEvents)
        guard let range = form.valueRange(named: "mandrill_events"), let batch = try? MandrillBatch(bytes: form.storage, range: range) else {
            fatalError("the simulator's batch is not a JSON array of objects")
        }
        return batch.events
    }()

    /// `events` repeated to one scaled iteration's worth (1,000), for the per-event benchmarks.
    static let eventsPerIteration: [MandrillEvent] = cycled(events)

    /// `values` repeated (or cut) to exactly `BenchmarkScalingFactor.kilo` elements.
    static func cycled<Value>(_ values: [Value]) -> [Value] {
        (0..<BenchmarkScalingFactor.kilo.rawValue).map { values[$0 % values.count] }
    }

    private static func signedBatch(size: Int) -> SignedBatch {
        var factory = EventFactory()
        return SignedBatch(events: factory.batch(size: size), signedURL: url, key: key)
    }
}
