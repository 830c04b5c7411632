import Benchmark
import Common

/// The envelope around each event: its head, built by hook-ingest for every stored event; the whole envelope,
/// rebuilt by ws-gateway from a stream entry for replays and gap fills; and its summary, read by ws-gateway once
/// per published envelope (validation plus what filters look at).
func envelopeBenchmarks() {
    let perEvent = Benchmark.Configuration(scalingFactor: .kilo)
    let events = Fixtures.eventsPerIteration

    Benchmark("Envelope.head, per event", configuration: perEvent) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(Envelope.head(type: events[index].type, email: events[index].email))
        }
    }

    let parts = events.enumerated().map { index, event in
        (
            id: StreamID(milliseconds: 1_764_000_000_000, sequence: UInt64(index)).description,
            head: Envelope.head(type: event.type, email: event.email), event: event.raw.rawBytes
        )
    }
    Benchmark("Envelope.make, per event", configuration: perEvent) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(Envelope.make(id: parts[index].id, head: parts[index].head, event: parts[index].event))
        }
    }

    let envelopes = parts.map { Envelope.make(id: $0.id, head: $0.head, event: $0.event) }
    precondition(envelopes.allSatisfy { (try? EnvelopeSummary(envelope: $0)) != nil })
    Benchmark("EnvelopeSummary read, per event", configuration: perEvent) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try? EnvelopeSummary(envelope: envelopes[index]))
        }
    }
}
