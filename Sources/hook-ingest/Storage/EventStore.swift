import Common

/// Stores batches in Redis and reads them back for the API. Stateless: every call is one or a few commands on
/// the shared pipelined connection.
struct EventStore: Sendable {
    struct StoreResult: Sendable, Equatable {
        let received: Int
        let stored: Int
        /// Replicas that confirmed the write (`WAIT`), when ``EventStore/replication`` asks for any.
        var replicas: Int?
        var duplicates: Int { received - stored }
    }

    let redis: RedisClient
    let keys: RedisKeys
    let retention: StreamRetention
    let dedupTTL: Duration
    let messageTTL: Duration
    var replication = ReplicaAcknowledgement()

    /// Stores every new event of `batch` in one atomic script run. Returns once Redis confirmed the write, and with
    /// ``replication`` once replicas confirmed it or the wait for them ended (the result says how many did).
    func store(_ batch: MandrillBatch) async throws(RedisError) -> StoreResult {
        guard !batch.isEmpty else { return StoreResult(received: 0, stored: 0) }
        var replies = await send(command(batch, sha: StoreBatchScript.sha))
        if case .failure(let error) = replies[0], error.isServerError, error.message.hasPrefix("NOSCRIPT") {
            // Redis restarted or SCRIPT FLUSH ran: send the source once; Redis caches it again.
            replies = await send(command(batch, sha: nil))
        }
        let reply = try replies[0].get()
        guard let results = reply.array, results.count == batch.events.count else {
            throw RedisError.unexpectedReply("store script returned \(reply)")
        }
        let stored = results.count { $0.bytes != nil }
        var result = StoreResult(received: batch.events.count, stored: stored)
        if replies.count > 1 {
            result.replicas = Self.replicas(in: replies[1])
            if stored == 0, let wait = replication.command {
                // Nothing new: the events may come from a batch another connection wrote and that was never
                // confirmed. A write of our own makes WAIT cover everything the primary holds.
                let mark = RedisCommand("SET", keys.replicationMark, String(WallClock.milliseconds()))
                result.replicas = Self.replicas(in: await redis.connection.send(pipeline: [mark, wait], blocking: replication.timeout)[1])
            }
        }
        return result
    }

    /// A WAIT that failed (the connection dropped after the write) confirmed nothing.
    private static func replicas(in reply: Result<RedisValue, RedisError>) -> Int {
        (try? reply.get())?.int ?? 0
    }

    /// The store command alone, or followed by `WAIT` on the same connection when replicas must confirm.
    private func send(_ store: RedisCommand) async -> [Result<RedisValue, RedisError>] {
        guard let wait = replication.command else {
            do throws(RedisError) {
                return [.success(try await redis.send(store))]
            } catch {
                return [.failure(error)]
            }
        }
        return await redis.connection.send(pipeline: [store, wait], blocking: replication.timeout)
    }

    private func command(_ batch: MandrillBatch, sha: String?) -> RedisCommand {
        var command = RedisCommand(sha == nil ? "EVAL" : "EVALSHA")
        command.reserveCapacity(
            bytes: batch.byteCount * 2 + batch.events.count * 200 + StoreBatchScript.source.utf8.count,
            arguments: StoreBatchScript.fixedArguments + 3 + batch.events.count * StoreBatchScript.argumentsPerEvent
        )
        command.append(sha ?? StoreBatchScript.source)
        command.append(0)  // no KEYS: the script derives them from the prefix in ARGV
        command.append(keys.stream)
        command.append(keys.channel)
        command.append(keys.seenPrefix)
        command.append(keys.message(""))
        command.append(retention.maxLength)
        command.append(max(1, DurationText.seconds(dedupTTL)))
        command.append(DurationText.seconds(messageTTL))
        command.append(Int(retention.maxAge.components.seconds * 1000))
        command.append(keys.bodyPrefix)
        command.append(keys.bodies)
        command.append(retention.largeEventBytes)
        command.append(retention.largeEventMemory)
        for event in batch.events {
            command.append(event.dedupHash)
            command.append(event.type)
            command.append(event.email)
            command.append(bytes: Envelope.head(type: event.type, email: event.email))
            command.append(bytes: event.raw.rawBytes)
            command.append(event.messageID ?? "")
            command.append(event.timestamp)
            command.append(bytes: event.messageSnapshot?.rawBytes ?? [])
        }
        return command
    }
}
