/// Parses durations written as `250ms`, `30s`, `5m`, `12h`, `7d`, or a bare number of seconds.
package enum DurationText {
    /// `nil` for anything else, and for a duration too long to count in milliseconds (`1e300d`).
    package static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        let unit = units.first { text.hasSuffix($0.suffix) }
        guard let value = Double(text.dropLast(unit?.suffix.count ?? 0)), value >= 0,
            let milliseconds = Int64(exactly: (value * (unit?.seconds ?? 1) * 1000).rounded())
        else { return nil }
        return .milliseconds(milliseconds)
    }

    /// The shortest exact text `parse` reads back: `7d`, `30s`, `5ms`, `0`.
    package static func format(_ duration: Duration) -> String {
        let milliseconds = milliseconds(duration)
        guard milliseconds != 0 else { return "0" }
        for (suffix, unit) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where milliseconds % unit == 0 {
            return "\(milliseconds / unit)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    /// Whole seconds, as Redis expiry arguments want them.
    package static func seconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds)
    }

    /// Whole milliseconds, as `WAIT` and `PX` arguments want them.
    package static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
