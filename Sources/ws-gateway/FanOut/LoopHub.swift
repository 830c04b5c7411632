import Common
import DequeModule
import NIOCore
import Prometheus
import Synchronization

/// The clients of one event loop, grouped by filter, and the publications waiting to reach them.
///
/// Concurrency: everything but `mailbox` is confined to `eventLoop` (connections are pinned to their channel's
/// loop, and every method below runs there). `mailbox` is the only cross-thread entry: the Redis thread appends
/// and schedules at most one drain at a time, so a burst costs one hop per loop, not one per message or client.
/// That confinement is what makes the `@unchecked Sendable` sound.
final class LoopHub: @unchecked Sendable {
    let eventLoop: any EventLoop
    let metrics: GatewayMetrics
    private let mailbox = Mutex<Mailbox>(Mailbox())
    private var groups: [EventFilter: Group] = [:]
    /// The same groups by the subaccounts they pin: a publication visits only those that can match it.
    private var index = FanOutIndex<Group>()
    private var dirty: [StreamConnection] = []
    private var pingTask: RepeatedTask?
    private var keepAliveTask: RepeatedTask?
    /// SSE clients get a `: ping` comment this often: shorter than the idle timeouts of common proxies (nginx's
    /// default `proxy_read_timeout` is 60 s), whatever `--ping-interval` says for WebSockets.
    static let sseKeepAlive: Duration = .seconds(15)
    /// Frames one client gets per pass at most before the pass flushes and yields to socket I/O: this bounds how
    /// much one burst queues per client between flushes. A pass takes publications until some client got this
    /// many, so that clients that want a fraction of the events (one tenant's subaccount) still get up to this many
    /// frames per system call; a pass never makes more deliveries than `passSize` publications to every client.
    private static let passSize = 64
    /// Publications per pass at most, however few of them clients want: a pass still yields to socket I/O.
    private static let maxPassPublications = 64 * passSize

    private struct Mailbox {
        var publications = Deque<Publication>()
        var drainScheduled = false
        /// When the Redis thread scheduled the pending drain (for the `hop` phase); `nil` for a drain that continues
        /// an earlier one.
        var scheduledAt: NIODeadline?
        /// When the last drain started; drains closer together than `batchingWindow` are merged.
        var lastDrain = NIODeadline.uptimeNanoseconds(0)
    }

    /// Under load, drains (and so flushes, one `writev` per client) happen at most once per window, so that each
    /// client gets several events per system call. When events are rarer than this, a drain runs at once and
    /// nothing is delayed (`--batch-window`).
    private let batchingWindow: TimeAmount

    /// Clients with the same filter: the filter is evaluated once per publication for all of them.
    private final class Group: FanOutGroup {
        let filter: EventFilter
        var connections: [ObjectIdentifier: StreamConnection] = [:]

        init(filter: EventFilter) {
            self.filter = filter
        }
    }

    init(eventLoop: any EventLoop, metrics: GatewayMetrics, batchingWindow: TimeAmount) {
        self.eventLoop = eventLoop
        self.metrics = metrics
        self.batchingWindow = batchingWindow
    }

    // MARK: - Any thread

    /// Queues publications for this loop's clients. Safe from any thread; keeps their order.
    func enqueue(_ publications: [Publication]) {
        let next = mailbox.withLock { mailbox -> NIODeadline? in
            mailbox.publications.append(contentsOf: publications)
            guard !mailbox.drainScheduled else { return nil }
            mailbox.drainScheduled = true
            mailbox.scheduledAt = .now()
            return mailbox.lastDrain + batchingWindow
        }
        guard let next else { return }
        if next <= .now() {
            eventLoop.execute { self.drain() }
        } else {
            eventLoop.scheduleTask(deadline: next) { self.drain() }
        }
    }

    // MARK: - Event loop

    func add(_ connection: StreamConnection) {
        eventLoop.preconditionInEventLoop()
        let filter = connection.request.filter
        let group: Group
        if let existing = groups[filter] {
            group = existing
        } else {
            group = Group(filter: filter)
            groups[filter] = group
            index.insert(group)
        }
        group.connections[ObjectIdentifier(connection)] = connection
    }

    func remove(_ connection: StreamConnection) {
        let filter = connection.request.filter
        guard let group = groups[filter] else { return }
        group.connections[ObjectIdentifier(connection)] = nil
        if group.connections.isEmpty {
            groups[filter] = nil
            index.remove(group)
        }
    }

    private func drain() {
        var batch: [Publication] = []
        var delivered = 0
        // The most frames one client got in this pass.
        var mostQueued = 0
        var emptied = false
        var started = NIODeadline.uptimeNanoseconds(0)
        var scheduledAt: NIODeadline?
        var firstWrite: NIODeadline?
        // Each round takes no more publications than the busiest client has room for, so no client passes
        // `passSize`; a client that gets every event fills it in the first round, as a pass always did.
        while !emptied, mostQueued < Self.passSize, batch.count < Self.maxPassPublications {
            let limit = min(Self.passSize - mostQueued, Self.maxPassPublications - batch.count)
            let round = mailbox.withLock { mailbox -> [Publication] in
                if batch.isEmpty {
                    started = .now()
                    mailbox.lastDrain = started
                    scheduledAt = mailbox.scheduledAt
                    mailbox.scheduledAt = nil
                }
                let count = min(mailbox.publications.count, limit)
                let round = Array(mailbox.publications.prefix(count))
                mailbox.publications.removeFirst(count)
                if mailbox.publications.isEmpty {
                    mailbox.drainScheduled = false
                    emptied = true
                }
                return round
            }
            // A pass of one publication gives each client one frame at most, so there is nothing to coalesce:
            // each frame goes to its socket at once, and the first clients have it while the loop still serves
            // the others (the same system calls as flushing at the end, without making every client wait for all).
            let flushEach = batch.isEmpty && emptied && round.count == 1
            for publication in round {
                // A copy (shares storage): a delivery may close a slow consumer, which removes its group from `index`.
                let index = self.index
                index.forEachCandidate(for: publication.attributes) { group in
                    guard group.filter.matches(publication.attributes) else { return }
                    for connection in group.connections.values where connection.deliver(publication) {
                        delivered += 1
                        if flushEach {
                            connection.flush()
                            if firstWrite == nil { firstWrite = .now() }
                            continue
                        }
                        if connection.queuedInPass == 0 { dirty.append(connection) }
                        connection.queuedInPass += 1
                        mostQueued = max(mostQueued, connection.queuedInPass)
                    }
                }
            }
            batch += round
        }
        if firstWrite == nil, !dirty.isEmpty { firstWrite = .now() }
        flushDirty()
        metrics.fanoutPhases.record(scheduled: scheduledAt, started: started, firstWrite: firstWrite, finished: .now())
        // From the time Redis stored the event (its id) to its frames being handed to every client's socket.
        let now = WallClock.milliseconds()
        for publication in batch {
            metrics.fanoutLatency.record(.milliseconds(max(0, now - Int64(publication.id.milliseconds))))
        }
        metrics.delivered.increment(by: Int64(delivered))
        // More waiting (this drain is still the scheduled one): let socket I/O run first, then continue.
        if !emptied {
            eventLoop.execute { self.drain() }
        }
    }

    private func flushDirty() {
        for connection in dirty {
            connection.queuedInPass = 0
            if connection.needsFlush { connection.flush() }
        }
        dirty.removeAll(keepingCapacity: true)
    }

    /// Starts the shared ping timers of this loop (one for all its WebSocket clients, one for all its SSE clients).
    func startPinging(every interval: Duration) {
        let amount = TimeAmount(interval)
        pingTask = eventLoop.scheduleRepeatedTask(initialDelay: amount, delay: amount) { [self] _ in pingAll(.webSocket) }
        let keepAlive = TimeAmount(Self.sseKeepAlive)
        keepAliveTask = eventLoop.scheduleRepeatedTask(initialDelay: keepAlive, delay: keepAlive) { [self] _ in pingAll(.sse) }
    }

    func stopPinging() {
        pingTask?.cancel()
        pingTask = nil
        keepAliveTask?.cancel()
        keepAliveTask = nil
    }

    /// Drops clients that did not answer the previous ping, and pings the others (SSE clients never answer).
    /// A dropped client leaves its group during the walk, which goes on over the groups as they were.
    private func pingAll(_ framing: StreamFraming) {
        for group in groups.values {
            for connection in group.connections.values where connection.framing == framing {
                connection.pingTimerFired()
            }
        }
    }
}
