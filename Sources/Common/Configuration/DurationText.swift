/// Parses durations written as `250ms`, `30s`, `5m`, `12h`, `7d`, or a bare number of seconds.
package enum DurationText {
    package static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let value = Double(text.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
            return .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
        }
        guard let value = Double(text), value >= 0, value.isFinite else { return nil }
        return .milliseconds(Int64((value * 1000).rounded()))
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

extension EnvironmentValues {
    package func duration(_ name: String) throws(ConfigurationError) -> Duration? {
        guard let text = string(name) else { return nil }
        guard let value = DurationText.parse(text) else { throw ConfigurationError("\(name) must be a duration such as 500ms, 30s, 7d") }
        return value
    }
}

/// Resolves one option: the command line wins, then the environment, then the default.
package func resolve<Value>(_ flag: Value?, _ environment: Value?, default defaultValue: Value) -> Value {
    flag ?? environment ?? defaultValue
}

/// Parses a duration given on the command line.
package func parseDurationOption(_ text: String?, name: String) throws(ConfigurationError) -> Duration? {
    guard let text else { return nil }
    guard let value = DurationText.parse(text) else { throw ConfigurationError("--\(name) must be a duration such as 500ms, 30s, 7d") }
    return value
}
