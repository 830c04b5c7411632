import Common

/// `--redis-min-replicas-ack N`: a batch is acknowledged only once `N` replicas hold it.
///
/// After the store script, hook-ingest sends `WAIT N <timeout>` on the same connection (see
/// ``RedisConnection/send(pipeline:)``): Redis answers with the number of replicas that confirmed every write made
/// on that connection so far. Fewer than `N` means a failover now could lose the batch, so the answer is 503 and
/// Mandrill retries (the retry is deduplicated when the batch survived). The wait is bounded by half the command
/// timeout (`--redis-timeout`), and the request's deadline is extended by as much.
struct ReplicaAcknowledgement: Sendable {
    /// 0: acknowledge once the primary stored the batch.
    let required: Int
    let timeout: Duration
    /// The `WAIT` to send after each store, or `nil` when no replica needs to confirm. Made once, not per request.
    let command: RedisCommand?

    init(required: Int = 0, commandTimeout: Duration = .seconds(1)) {
        self.required = required
        self.timeout = commandTimeout / 2
        let milliseconds = max(1, DurationText.milliseconds(timeout))
        self.command = required > 0 ? RedisCommand("WAIT", String(required), String(milliseconds)) : nil
    }

    /// Whether `result` may be acknowledged.
    func isSatisfied(by result: EventStore.StoreResult) -> Bool {
        required == 0 || result.received == 0 || (result.replicas ?? 0) >= required
    }
}
