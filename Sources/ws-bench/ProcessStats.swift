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
