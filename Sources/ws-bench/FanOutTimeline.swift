import Foundation
import NIOHTTP1
import NetClients

/// The gateway's own account of a latency run, read before and after it: where its fan-out passes spent their time
/// (`mandrill_gateway_fanout_phase_seconds` from `/metrics`: the hop from the Redis thread to an event loop, then
/// the first and the last client's write) and, given its pid, its CPU time and thread wake-ups per publication.
struct FanOutTimeline {
    /// Sum and count of each phase's histogram.
    var phases: [String: (sum: Double, count: Double)] = [:]
    var cpuSeconds: Double?
    var switches: (voluntary: Int, involuntary: Int)?

    static func sample(port: Int, stats: ProcessStats?) async -> FanOutTimeline {
        var sample = FanOutTimeline(cpuSeconds: stats?.cpuSeconds(), switches: stats?.contextSwitches())
        guard let response = try? await httpRequest(.GET, port: port, "/metrics"), response.status == 200 else { return sample }
        for line in response.text.split(separator: "\n") where line.hasPrefix("mandrill_gateway_fanout_phase_seconds_") {
            // mandrill_gateway_fanout_phase_seconds_sum{phase="hop"} 0.0123
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]),
                let open = parts[0].firstIndex(of: "\""), let close = parts[0].lastIndex(of: "\""), open < close
            else { continue }
            let phase = String(parts[0][parts[0].index(after: open)..<close])
            if parts[0].hasPrefix("mandrill_gateway_fanout_phase_seconds_sum") {
                sample.phases[phase, default: (0, 0)].sum = value
            } else if parts[0].hasPrefix("mandrill_gateway_fanout_phase_seconds_count") {
                sample.phases[phase, default: (0, 0)].count = value
            }
        }
        return sample
    }

    /// Report fields for the run between `start` and `self`: mean milliseconds per pass of each phase, and per
    /// publication the gateway's CPU milliseconds, wake-ups and preemptions (all threads).
    func fields(since start: FanOutTimeline, publications: Int) -> [(String, String)] {
        var fields: [(String, String)] = []
        for phase in ["hop", "first_write", "last_write"] {
            guard let end = phases[phase], let begin = start.phases[phase], end.count > begin.count else { continue }
            fields.append(("gateway_\(phase)_mean_ms", String(format: "%.3f", (end.sum - begin.sum) / (end.count - begin.count) * 1000)))
        }
        let count = Double(max(1, publications))
        if let end = cpuSeconds, let begin = start.cpuSeconds {
            fields.append(("gateway_cpu_ms_per_publication", String(format: "%.2f", (end - begin) * 1000 / count)))
        }
        if let end = switches, let begin = start.switches {
            fields.append(("gateway_wakeups_per_publication", String(format: "%.1f", Double(end.voluntary - begin.voluntary) / count)))
            fields.append(("gateway_preemptions_per_publication", String(format: "%.1f", Double(end.involuntary - begin.involuntary) / count)))
        }
        return fields
    }
}
