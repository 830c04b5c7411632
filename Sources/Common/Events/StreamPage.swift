/// One page of the events stream read for a replay, a gap fill or the read API, with large events' bodies
/// fetched, and cut short so that one page never holds more than `byteBudget` bytes of events.
///
/// The cut keeps memory bounded when the stream refers to big inbound mail: a page of 500 entries could
/// otherwise pull hundreds of megabytes. At least one entry is always kept, so reading always moves forward.
package struct StreamPage: Sendable {
    /// Our entries, in reply order, every reference resolved.
    package let entries: [StreamEntry]
    /// How many entries (ours or not) the page covers: the next page starts after ``lastID``.
    package let count: Int
    /// The last entry the page covers, ours or not.
    package let lastID: StreamID?
    /// Whether the reply had fewer entries than asked for and nothing was cut: the stream has no more.
    package let reachedEnd: Bool

    /// Bytes of events one page may hold.
    package static let defaultByteBudget = 8 * 1024 * 1024

    /// Reads a page with `command` (an XRANGE or XREVRANGE asking for `requested` entries), then fetches the
    /// bodies it refers to with one MGET. `completion` runs on the connection's loop thread.
    package static func read(
        _ command: RedisCommand,
        requested: Int,
        byteBudget: Int = StreamPage.defaultByteBudget,
        on connection: RedisConnection,
        completion: @escaping @Sendable (Result<StreamPage, RedisError>) -> Void
    ) {
        connection.send(command) { result in
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let reply):
                let (page, references) = cut(reply, requested: requested, byteBudget: byteBudget)
                guard !references.isEmpty else { return completion(.success(page)) }
                connection.send(RedisCommand(arguments: ["MGET"] + references)) { bodies in
                    completion(bodies.map { page.resolving($0) })
                }
            }
        }
    }

    /// The same, awaited.
    package static func read(
        _ command: RedisCommand,
        requested: Int,
        byteBudget: Int = StreamPage.defaultByteBudget,
        on connection: RedisConnection
    ) async throws(RedisError) -> StreamPage {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<StreamPage, RedisError>, Never>) in
            read(command, requested: requested, byteBudget: byteBudget, on: connection) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    private init(entries: [StreamEntry], count: Int, lastID: StreamID?, reachedEnd: Bool) {
        self.entries = entries
        self.count = count
        self.lastID = lastID
        self.reachedEnd = reachedEnd
    }

    /// Keeps the reply's entries up to the byte budget; returns the page and the keys still to fetch.
    package static func cut(_ reply: RedisValue, requested: Int, byteBudget: Int) -> (StreamPage, [String]) {
        let raw = reply.array ?? []
        var entries: [StreamEntry] = []
        var references: [String] = []
        var bytes = 0
        var covered = 0
        var lastID: StreamID?
        for value in raw {
            let entry = StreamEntry(value)
            let size = entry?.eventBytes ?? 0
            if covered > 0, bytes + size > byteBudget { break }
            bytes += size
            covered += 1
            lastID = value.array?.first?.string.flatMap { StreamID($0) } ?? lastID
            if let entry {
                if let reference = entry.reference { references.append(reference) }
                entries.append(entry)
            }
        }
        let page = StreamPage(entries: entries, count: covered, lastID: lastID, reachedEnd: covered == raw.count && raw.count < requested)
        return (page, references)
    }

    /// Fills in the bodies an MGET returned, in the order ``cut(_:requested:byteBudget:)`` asked for them.
    func resolving(_ bodies: RedisValue) -> StreamPage {
        var values = (bodies.array ?? [])[...]
        var resolved = entries
        for index in resolved.indices where resolved[index].reference != nil {
            resolved[index].resolve(values.popFirst()?.bytes)
        }
        return StreamPage(entries: resolved, count: count, lastID: lastID, reachedEnd: reachedEnd)
    }
}
