import Benchmark
import Common

/// `EventFilter.matches`: run for every published event against each fan-out group's filter, so its cost is
/// multiplied by the number of distinct filters. The attributes are read from the default mix as ws-gateway
/// reads them (a third of message events carry the `acme-eu` subaccount; sync events have none).
func filterBenchmarks() {
    let perEvent = Benchmark.Configuration(scalingFactor: .kilo)
    let attributes = Fixtures.eventsPerIteration.map { EventAttributes(type: $0.type, email: $0.email, event: $0.raw) }
    let filters: [(name: String, filter: EventFilter)] = [
        ("unfiltered", EventFilter()),
        ("types + subaccount", EventFilter(types: ["open", "click"], subaccounts: ["acme-eu"])),
    ]
    for (name, filter) in filters {
        Benchmark("EventFilter.matches, \(name), per event", configuration: perEvent) { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(filter.matches(attributes[index]))
            }
        }
    }
}
