package import Common
package import Simulation

/// Writes events the way hook-ingest does (stream entry, then the envelope on the channel, in one script run),
/// so that gateway tests can publish without an ingest process.
package struct TestPublisher: Sendable {
    package let redis: RedisClient
    package var keys = RedisKeys()
    /// `MAXLEN` for the stream; `nil` keeps everything. Exact (not `~`) so that tests know what was trimmed.
    package var maxLength: Int?

    private static let script = """
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[5], '*', 'type', ARGV[1], 'email', ARGV[2], 'event', ARGV[3])
        redis.call('PUBLISH', ARGV[4], '{"id":"' .. id .. '",' .. ARGV[6] .. ARGV[3] .. '}')
        return id
        """

    package init(redis: RedisClient, maxLength: Int? = nil) {
        self.redis = redis
        self.maxLength = maxLength
    }

    /// Publishes one event; returns its stream id.
    @discardableResult
    package func publish(_ event: SimJSON) async throws -> StreamID {
        let raw = event.encoded
        let parsed = MandrillEvent(raw: RawJSON(validated: Array(raw.utf8)))
        var command = RedisCommand("EVAL", Self.script, "1", keys.stream, parsed.type, parsed.email, raw, keys.channel)
        command.append(maxLength ?? Int.max)
        command.append(bytes: Envelope.head(type: parsed.type, email: parsed.email))
        let reply = try await redis.send(command)
        guard let text = reply.string, let id = StreamID(text) else { throw TestSupportError("publish returned \(reply)") }
        return id
    }

    @discardableResult
    package func publish(_ events: [SimJSON]) async throws -> [StreamID] {
        var ids: [StreamID] = []
        for event in events { ids.append(try await publish(event)) }
        return ids
    }

    /// Every id in the stream, oldest first.
    package func allIDs() async throws -> [StreamID] {
        StreamEntry.entries(in: try await redis.send("XRANGE", keys.stream, "-", "+")).map(\.id)
    }
}
