extension Duration {
    /// Whole microseconds (rounded down): what libevent timers and hiredis timeouts take.
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
