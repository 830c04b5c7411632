import Common
import Foundation

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
        statusField("VmRSS")
    }

    /// Peak resident set size (`VmHWM`) in KiB, since start or the last ``resetPeak()``.
    func peakKiB() -> Int? {
        statusField("VmHWM")
    }

    /// Resets the peak to the current resident size (writing 5 to `clear_refs`; needs root or the same user).
    func resetPeak() throws {
        try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }

    private func statusField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("\(name):") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }
}
