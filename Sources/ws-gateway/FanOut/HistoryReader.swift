import Common
import NIOCore
import Prometheus

/// Reads history from the stream for one client (`since=` and `backlog=`), page by page, pacing itself on the
/// client's socket: the next page is requested once the previous one has been written out.
///
/// Every replay is bounded: a page holds at most `pageBytes` of events (large inbound mail included), and one
/// handshake examines at most `scanBudget` entries. A `since=` replay that reaches the budget before the end of
/// the stream tells the client where it stopped (`{"control":"scan_limit","resume_since":…}`) and closes with
/// 4009, so that a filter matching nothing cannot make one handshake walk a million entries; the client
/// continues from there with `since=`, losing nothing. `backlog=N` first walks back (within the same budget)
/// to the N-th newest matching event, keeping nothing but that position, then replays forward from it like
/// `since=`.
///
/// Redis replies arrive on the Redis thread and are handed to the client's event loop; every step that touches
/// the connection runs there.
struct HistoryReader: Sendable {
    let redis: RedisConnection
    let keys: RedisKeys
    let metrics: GatewayMetrics
    /// Bytes of events one page may hold, and how many are written before waiting for the socket to take them.
    let pageBytes: Int
    /// Entries one handshake may examine.
    let scanBudget: Int
    /// `--compression`: replayed publications carry their permessage-deflate frame too.
    var compress = false
    static let pageSize = 500

    /// Starts the replay the connection asked for. Call on the connection's event loop.
    func start(for connection: StreamConnection, on eventLoop: any EventLoop) {
        let box = NIOLoopBound(connection, eventLoop: eventLoop)
        switch connection.request.start {
        case .live:
            connection.sendLiveNotice()
        case .since(let id):
            checkTrimming(since: id, box: box, eventLoop: eventLoop)
        case .backlog(let count):
            findBacklogStart(BacklogWalk(count: count), box: box, eventLoop: eventLoop)
        }
    }

    /// When entries after `since` were already trimmed, the client is told so before the partial replay.
    private func checkTrimming(since: StreamID, box: NIOLoopBound<StreamConnection>, eventLoop: any EventLoop) {
        redis.send(RedisCommand("XINFO", "STREAM", keys.stream)) { result in
            eventLoop.execute {
                let connection = box.value
                guard connection.isOpen else { return }
                switch result {
                case .success(let reply):
                    let info = StreamInfo(reply)
                    if info.mayHaveLost(after: since) {
                        let oldest = info.firstID.map { "\"\($0)\"" } ?? "null"
                        connection.sendControl(#"{"control":"history_trimmed","requested_since":"\#(since)","oldest_available":\#(oldest)}"#)
                    }
                    readForward(from: "(\(since)", scanned: 0, box: box, eventLoop: eventLoop)
                case .failure(let error) where error.isServerError:
                    // No such key: the stream is empty, nothing was trimmed.
                    readForward(from: "(\(since)", scanned: 0, box: box, eventLoop: eventLoop)
                case .failure:
                    fail(box.value)
                }
            }
        }
    }

    /// Replays from `start` (an XRANGE bound: `(id` exclusive, `id` inclusive) to the end of the stream.
    private func readForward(from start: String, scanned: Int, box: NIOLoopBound<StreamConnection>, eventLoop: any EventLoop) {
        let command = RedisCommand("XRANGE", keys.stream, start, "+", "COUNT", String(Self.pageSize))
        StreamPage.read(command, requested: Self.pageSize, byteBudget: pageBytes, on: redis) { result in
            eventLoop.execute {
                let connection = box.value
                guard connection.isOpen else { return }
                guard case .success(let page) = result else { return fail(connection) }
                let matching = page.entries.filter { connection.request.filter.matches($0.attributes) }.map {
                    Publication(entry: $0, compress: compress && connection.deflates, sse: connection.framing == .sse)
                }
                metrics.replayed.increment(by: Int64(matching.count))
                let scanned = scanned + page.count
                connection.sendReplayed(matching[...], pacingBytes: pageBytes) {
                    // Entries that did not match are covered by this read too.
                    if let last = page.lastID { connection.skipReplayed(through: last) }
                    if page.reachedEnd {
                        connection.finishReplay()
                    } else if scanned >= scanBudget, let last = page.lastID {
                        connection.stopReplay(resumeSince: last)
                    } else {
                        readForward(from: page.lastID.map { "(\($0)" } ?? start, scanned: scanned, box: box, eventLoop: eventLoop)
                    }
                }
            }
        }
    }

    /// Where a backward walk for `backlog=` has got to.
    private struct BacklogWalk {
        let count: Int
        var matched = 0
        var scanned = 0
        /// The oldest matching entry found so far: the replay starts there.
        var oldestMatch: StreamID?
        /// The newest entry when the walk began: live events up to it are covered by the replay.
        var newest: StreamID?
        /// Where the next page ends (exclusive); `nil` for the newest entry.
        var before: StreamID?
    }

    /// Walks back from the newest entry counting matches, until `count` matched, the stream's start, or the scan
    /// budget; then replays forward from the oldest match found. Only positions are kept, never the events.
    private func findBacklogStart(_ walk: BacklogWalk, box: NIOLoopBound<StreamConnection>, eventLoop: any EventLoop) {
        let end = walk.before.map { "(\($0)" } ?? "+"
        let command = RedisCommand("XREVRANGE", keys.stream, end, "-", "COUNT", String(Self.pageSize))
        StreamPage.read(command, requested: Self.pageSize, byteBudget: pageBytes, on: redis) { result in
            eventLoop.execute {
                let connection = box.value
                guard connection.isOpen else { return }
                guard case .success(let page) = result else { return fail(connection) }
                var walk = walk
                if walk.newest == nil { walk.newest = page.entries.first?.id ?? page.lastID }
                for entry in page.entries where walk.matched < walk.count && connection.request.filter.matches(entry.attributes) {
                    walk.matched += 1
                    walk.oldestMatch = entry.id
                }
                walk.scanned += page.count
                walk.before = page.lastID ?? walk.before
                guard walk.matched >= walk.count || page.reachedEnd || walk.scanned >= scanBudget || page.lastID == nil else {
                    return findBacklogStart(walk, box: box, eventLoop: eventLoop)
                }
                if let start = walk.oldestMatch {
                    readForward(from: start.description, scanned: 0, box: box, eventLoop: eventLoop)
                } else {
                    // Nothing the client may see in the scanned range: straight to live.
                    if let newest = walk.newest { connection.skipReplayed(through: newest) }
                    connection.finishReplay()
                }
            }
        }
    }

    private func fail(_ connection: StreamConnection) {
        connection.close(.historyUnavailable)
    }
}
