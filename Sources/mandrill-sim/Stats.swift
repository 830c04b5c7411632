import Foundation
import NetClients
import Synchronization

/// Counters shared by the posting workers.
final class Stats: Sendable {
    private struct State {
        var batches = 0
        var events = 0
        var stored = 0
        var duplicates = 0
        var failures = 0
        var statuses: [Int: Int] = [:]
        var latencies: [Duration] = []
    }

    private let state = Mutex(State())

    func record(response: HTTPClientConnection.Response, events: Int, latency: Duration) {
        let counts = Self.counts(in: response.text)
        state.withLock { state in
            state.batches += 1
            state.statuses[response.status, default: 0] += 1
            if response.status == 200 {
                state.events += events
                state.stored += counts.stored
                state.duplicates += counts.duplicates
            }
            state.latencies.append(latency)
        }
    }

    func recordFailure() {
        state.withLock { $0.failures += 1 }
    }

    /// One JSON line: totals, accepted events per second, and request latency percentiles in milliseconds.
    func summary(elapsed: Duration) -> String {
        state.withLock { state in
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let sorted = state.latencies.sorted()
            func percentile(_ fraction: Double) -> String {
                guard !sorted.isEmpty else { return "null" }
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
                let millis = Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
                return String(format: "%.2f", millis)
            }
            let statuses = state.statuses.keys.sorted().map { "\"\($0)\":\(state.statuses[$0]!)" }.joined(separator: ",")
            return """
                {"batches":\(state.batches),"events_accepted":\(state.events),"stored":\(state.stored),"duplicates":\(state.duplicates),\
                "failures":\(state.failures),"status":{\(statuses)},"seconds":\(String(format: "%.3f", seconds)),\
                "events_per_second":\(String(format: "%.0f", seconds > 0 ? Double(state.events) / seconds : 0)),\
                "latency_ms":{"p50":\(percentile(0.5)),"p99":\(percentile(0.99))}}
                """
        }
    }

    private static func counts(in body: String) -> (stored: Int, duplicates: Int) {
        func value(_ key: String) -> Int {
            guard let range = body.range(of: "\"\(key)\":") else { return 0 }
            return Int(body[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        return (value("stored"), value("duplicates"))
    }
}
