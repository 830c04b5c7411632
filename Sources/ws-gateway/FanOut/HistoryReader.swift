import Common
import NIOCore

/// Reads history from the stream for one client (`since=` and `backlog=`), page by page, pacing itself on the
/// client's socket: the next page is requested once the previous one has been written out.
///
/// Redis replies arrive on the Redis thread and are handed to the client's event loop; every step that touches
/// the connection runs there.
struct HistoryReader: Sendable {
    let redis: RedisConnection
    let keys: RedisKeys
    let metrics: GatewayMetrics
    /// How many bytes of history are written before waiting for the socket to take them.
    let pacingBytes: Int
    static let pageSize = 500
    /// Entries a backlog request examines at most, so that a filter matching nothing cannot walk the whole stream.
    static let backlogScanBudget = 100_000

    /// Starts the replay the connection asked for. Call on the connection's event loop.
    func start(for connection: WebSocketConnection, on eventLoop: any EventLoop) {
        let box = NIOLoopBound(connection, eventLoop: eventLoop)
        switch connection.request.start {
        case .live:
            connection.sendLiveNotice()
        case .since(let id):
            checkTrimming(since: id, box: box, eventLoop: eventLoop)
        case .backlog(let count):
            readBacklog(count: count, before: nil, collected: [], scanned: 0, newest: nil, box: box, eventLoop: eventLoop)
        }
    }

    /// When entries after `since` were already trimmed, the client is told so before the partial replay.
    private func checkTrimming(since: StreamID, box: NIOLoopBound<WebSocketConnection>, eventLoop: any EventLoop) {
        redis.send(RedisCommand("XINFO", "STREAM", keys.stream)) { result in
            eventLoop.execute {
                let connection = box.value
                guard !connection.isClosing else { return }
                switch result {
                case .success(let reply):
                    let info = StreamInfo(reply)
                    if info.mayHaveLost(after: since) {
                        let oldest = info.firstID.map { "\"\($0)\"" } ?? "null"
                        connection.sendControl(#"{"control":"history_trimmed","requested_since":"\#(since)","oldest_available":\#(oldest)}"#)
                    }
                    readSince(after: since, box: box, eventLoop: eventLoop)
                case .failure(let error) where error.isServerError:
                    // No such key: the stream is empty, nothing was trimmed.
                    readSince(after: since, box: box, eventLoop: eventLoop)
                case .failure:
                    fail(box.value)
                }
            }
        }
    }

    private func readSince(after cursor: StreamID, box: NIOLoopBound<WebSocketConnection>, eventLoop: any EventLoop) {
        redis.send(RedisCommand("XRANGE", keys.stream, "(\(cursor)", "+", "COUNT", String(Self.pageSize))) { result in
            eventLoop.execute {
                let connection = box.value
                guard !connection.isClosing else { return }
                guard case .success(let reply) = result else { return fail(connection) }
                let matching = StreamEntry.entries(in: reply).filter { connection.request.filter.matches($0.attributes) }.map(
                    Publication.init(entry:)
                )
                let last = StreamEntry.lastID(in: reply)
                let complete = (reply.array?.count ?? 0) < Self.pageSize
                metrics.replayed.increment(by: Int64(matching.count))
                connection.sendReplayed(matching[...], pacingBytes: pacingBytes) {
                    // Entries that did not match are covered by this read too.
                    if let last { connection.skipReplayed(through: last) }
                    if complete {
                        connection.finishReplay()
                    } else {
                        readSince(after: last ?? cursor, box: box, eventLoop: eventLoop)
                    }
                }
            }
        }
    }

    private func readBacklog(
        count: Int,
        before: StreamID?,
        collected: [Publication],
        scanned: Int,
        newest: StreamID?,
        box: NIOLoopBound<WebSocketConnection>,
        eventLoop: any EventLoop
    ) {
        let end = before.map { "(\($0)" } ?? "+"
        redis.send(RedisCommand("XREVRANGE", keys.stream, end, "-", "COUNT", String(Self.pageSize))) { result in
            eventLoop.execute {
                let connection = box.value
                guard !connection.isClosing else { return }
                guard case .success(let reply) = result else { return fail(connection) }
                let entries = StreamEntry.entries(in: reply)
                let rawCount = reply.array?.count ?? 0
                var collected = collected
                var oldest = before
                // Live messages up to the newest entry of the first page are covered by this read.
                let newest = newest ?? entries.first?.id
                for entry in entries where collected.count < count {
                    oldest = entry.id
                    if connection.request.filter.matches(entry.attributes) { collected.append(Publication(entry: entry)) }
                }
                let scanned = scanned + rawCount
                if collected.count < count, rawCount == Self.pageSize, scanned < Self.backlogScanBudget {
                    let oldest = StreamEntry.lastID(in: reply) ?? oldest
                    readBacklog(count: count, before: oldest, collected: collected, scanned: scanned, newest: newest, box: box, eventLoop: eventLoop)
                    return
                }
                metrics.replayed.increment(by: Int64(collected.count))
                connection.sendReplayed(collected.reversed()[...], pacingBytes: pacingBytes) {
                    if let newest { connection.skipReplayed(through: newest) }
                    connection.finishReplay()
                }
            }
        }
    }

    private func fail(_ connection: WebSocketConnection) {
        connection.close(code: CloseCode.internalError, reason: "history unavailable: reconnect with since=")
    }
}

/// The parts of `XINFO STREAM` the replay needs.
struct StreamInfo {
    var length = 0
    var entriesAdded = 0
    var firstID: StreamID?
    /// Highest id removed by XDEL (trimming does not move it).
    var maxDeletedID: StreamID?

    init(_ reply: RedisValue) {
        let fields = reply.array ?? []
        var index = 0
        while index + 1 < fields.count {
            let value = fields[index + 1]
            switch fields[index].string {
            case "length": length = value.int ?? 0
            case "entries-added": entriesAdded = value.int ?? 0
            case "first-entry": firstID = value.array?.first?.string.flatMap { StreamID($0) }
            case "max-deleted-entry-id": maxDeletedID = value.string.flatMap { StreamID($0) }
            default: break
            }
            index += 2
        }
    }

    /// Whether events after `since` may be gone: something after it was deleted, or the stream was trimmed past
    /// it (its oldest entry is newer than `since` and entries have been removed).
    func mayHaveLost(after since: StreamID) -> Bool {
        if let maxDeletedID, maxDeletedID > since { return true }
        guard let firstID else { return entriesAdded > 0 }
        return firstID > since && entriesAdded > length
    }
}
