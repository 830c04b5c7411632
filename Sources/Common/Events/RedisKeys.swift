/// Every Redis key and channel name, derived from the configurable prefix (default `mandrill`).
package struct RedisKeys: Sendable, Equatable {
    package let prefix: String

    package init(prefix: String = "mandrill") {
        self.prefix = prefix
    }

    /// Stream of every distinct event; entry ids are the resume cursors.
    package var stream: String { "\(prefix):events" }
    /// Pub/sub channel carrying one envelope per new event.
    package var channel: String { "\(prefix):events" }
    /// Hash holding a message's latest `msg` snapshot and its timeline.
    package func message(_ id: String) -> String { "\(prefix):msg:\(id)" }
    /// Dedup marker prefix; the Lua script appends the event's identity hash.
    package var seenPrefix: String { "\(prefix):seen:" }
    /// Prefix of the keys holding large events' JSON outside the stream (entries refer to them by `event_ref`).
    package var bodyPrefix: String { "\(prefix):body:" }
    /// List of those keys, oldest first, with their sizes; `<bodies>:bytes` holds their total.
    package var bodies: String { "\(prefix):bodies" }
    /// Written by hook-ingest before a `WAIT` when a retried batch stored nothing new: `WAIT` counts replicas for
    /// the writes of its own connection, and this write makes that include everything the primary holds.
    package var replicationMark: String { "\(prefix):replication-mark" }
    /// Channel a gateway publishes to itself to prove its subscription delivers end to end.
    package func heartbeat(_ gatewayID: String) -> String { "\(prefix):heartbeat:\(gatewayID)" }
}
