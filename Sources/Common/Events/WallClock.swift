#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time since 1970, comparable with the time part of stream ids (and across processes on one machine).
package enum WallClock {
    package static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    package static func milliseconds() -> Int64 {
        nanoseconds() / 1_000_000
    }
}
