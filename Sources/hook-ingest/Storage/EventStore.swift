import Common

/// Stores batches in Redis and reads them back for the API. Stateless: every call is one or a few commands on
/// the shared pipelined connection.
struct EventStore: Sendable {
    struct StoreResult: Sendable, Equatable {
        let received: Int
        let stored: Int
        var duplicates: Int { received - stored }
    }

    let redis: RedisClient
    let keys: RedisKeys
    let retention: StreamRetention
    let dedupTTL: Duration
    let messageTTL: Duration

    /// Stores every new event of `batch` in one atomic script run. Returns once Redis confirmed the write.
    func store(_ batch: MandrillBatch) async throws(RedisError) -> StoreResult {
        guard !batch.isEmpty else { return StoreResult(received: 0, stored: 0) }
        let reply: RedisValue
        do {
            reply = try await redis.send(command(batch, sha: StoreBatchScript.sha))
        } catch let error where error.isServerError && error.message.hasPrefix("NOSCRIPT") {
            // Redis restarted or SCRIPT FLUSH ran: send the source once; Redis caches it again.
            reply = try await redis.send(command(batch, sha: nil))
        }
        guard let results = reply.array, results.count == batch.events.count else {
            throw RedisError.unexpectedReply("store script returned \(reply)")
        }
        let stored = results.count { $0.bytes != nil }
        return StoreResult(received: batch.events.count, stored: stored)
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
