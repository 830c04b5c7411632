#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time in milliseconds since 1970, comparable with the time part of stream ids.
enum WallClock {
    static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
