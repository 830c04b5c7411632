import Foundation

/// Peak memory of another process across an attack, read from `/proc/<pid>/status`.
///
/// Peak, not final, resident size is what matters: a buffer that briefly holds 600 MB takes the host down even
/// if it is freed a second later. The kernel keeps the peak in `VmHWM`; writing `5` to `/proc/<pid>/clear_refs`
/// resets it to the current size (this needs the rights to write there: the tests run as root). The growth an
/// attack caused is then `VmHWM` after it minus `VmRSS` before it.
package struct ProcessMemory: Sendable {
    package let pid: Int32

    package init(pid: Int32) {
        self.pid = pid
    }

    /// Current resident set size (`VmRSS`), in KiB; `nil` once the process is gone.
    package func residentKiB() -> Int? {
        field("VmRSS")
    }

    /// Highest resident set size since start or the last ``resetPeak()`` (`VmHWM`), in KiB.
    package func peakKiB() -> Int? {
        field("VmHWM")
    }

    /// Resets `VmHWM` to the current resident size.
    package func resetPeak() throws {
        do {
            try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        } catch {
            throw TestSupportError("cannot reset the peak RSS of \(pid) (/proc/\(pid)/clear_refs needs root): \(error)")
        }
    }

    /// Runs `attack` and returns how much the process's peak resident size grew over its size before.
    package func peakGrowth(during attack: () async throws -> Void) async throws -> MemoryGrowth {
        guard let before = residentKiB() else { throw TestSupportError("process \(pid) is gone: no VmRSS before the attack") }
        try resetPeak()
        try await attack()
        // A process that died during the attack has no VmHWM any more: report what is known, the caller checks
        // liveness first and says how it died.
        return MemoryGrowth(beforeKiB: before, peakKiB: peakKiB())
    }

    private func field(_ name: String) -> Int? {
        guard let status = readWhole("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("\(name):") {
            // "VmHWM:     12345 kB"
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }
}

/// Resident memory before an attack and the peak during it.
package struct MemoryGrowth: Sendable, CustomStringConvertible {
    package let beforeKiB: Int
    /// `nil` when the process exited before the peak could be read.
    package let peakKiB: Int?

    /// Peak minus before, in MiB (decimal megabytes would flatter the figure by 5 %).
    package var growthMiB: Double? {
        peakKiB.map { Double($0 - beforeKiB) / 1024 }
    }

    package var description: String {
        guard let peakKiB, let growthMiB else { return "RSS before \(beforeKiB / 1024) MiB, peak unknown (process gone)" }
        return String(format: "RSS before %d MiB, peak %d MiB, growth %.1f MiB", beforeKiB / 1024, peakKiB / 1024, growthMiB)
    }
}
