import Foundation

/// Wall-clock time since 1970, comparable with the time part of stream ids (and across processes on one machine).
/// Read through `Date` (a `Double` of seconds: about 0.25 µs of resolution today, far below what its users need:
/// stream ids count milliseconds, latencies are reported in tenths of milliseconds).
package enum WallClock {
    package static func nanoseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    }

    package static func milliseconds() -> Int64 {
        nanoseconds() / 1_000_000
    }
}
