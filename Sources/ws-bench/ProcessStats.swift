import Common
import Foundation
import TestSupport

/// CPU time and memory of another process, read from /proc.
struct ProcessStats {
    let pid: Int32

    /// User + system CPU seconds used so far.
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14, stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident set size in KiB.
    func residentKiB() -> Int? {
        ProcessMemory(pid: pid).residentKiB()
    }

}

extension ProcessStats {
    /// Context switches of all the process's threads so far: `voluntary` counts a thread going to sleep (so, once it
    /// runs again, one wake-up), `involuntary` a thread preempted while it had work.
    func contextSwitches() -> (voluntary: Int, involuntary: Int)? {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var voluntary = 0
        var involuntary = 0
        for thread in threads {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8) else { continue }
            for line in status.split(separator: "\n") {
                let parts = line.split(separator: ":")
                guard parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
                switch parts[0] {
                case "voluntary_ctxt_switches": voluntary += value
                case "nonvoluntary_ctxt_switches": involuntary += value
                default: break
                }
            }
        }
        return (voluntary, involuntary)
    }
}
