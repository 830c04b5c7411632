import Common
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The gateway's feed: one hiredis SUBSCRIBE on the events channel, a second connection for stream reads and
/// heartbeats, both on one libevent thread, and the ``StreamSequencer`` that fills gaps after drops.
///
/// Health is checked end to end: the gateway publishes a heartbeat to a channel of its own every
/// `heartbeatInterval` and must receive it back through the subscription (PING cannot be used on a subscribed
/// connection with hiredis 0.14). A subscription that stops delivering is recycled, and `/readyz` fails meanwhile.
///
/// Concurrency: `sequencer`, the timers and the heartbeat bookkeeping are touched only on the Redis loop thread
/// (every callback below runs there); `healthy` is atomic because `/readyz` reads it from elsewhere.
final class SubscriptionService: Service, @unchecked Sendable {
    let commands: RedisClient
    private let loop: RedisEventLoop
    private var subscriber: RedisSubscriber!
    private let broadcaster: Broadcaster
    private let keys: RedisKeys
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let heartbeatInterval: Duration
    private let heartbeatChannel: [UInt8]
    /// `--compression`: each publication also carries its permessage-deflate frame.
    private let compress: Bool
    private var sequencer = StreamSequencer()
    /// What was delivered lately, to find where the stream and the clients still agree after a failover.
    private var delivered = RecentStreamIDs()
    private var heartbeatTimer: RedisTimer?
    private var gapRetryTimer: RedisTimer?
    /// Set on the loop thread once shutdown began: no timer is armed after it (a read failing because its
    /// connection closed would otherwise schedule a retry on a service being released).
    private var isStopping = false
    private var subscribedAt: ContinuousClock.Instant?
    private var lastHeartbeat: ContinuousClock.Instant?
    private let healthy = Atomic<Bool>(false)
    private let rollbacks = Atomic<Int>(0)
    static let gapPageSize = 1000

    init(configuration: GatewayConfiguration, broadcaster: Broadcaster, metrics: GatewayMetrics, gatewayID: String, logger: Logger) {
        self.loop = RedisEventLoop(name: "gateway-redis")
        self.commands = RedisClient(configuration: configuration.redis, logger: logger, loop: loop)
        self.broadcaster = broadcaster
        self.keys = configuration.keys
        self.metrics = metrics
        self.logger = logger
        self.heartbeatInterval = configuration.heartbeatInterval
        self.compress = configuration.compression
        let heartbeatChannel = configuration.keys.heartbeat(gatewayID)
        self.heartbeatChannel = Array(heartbeatChannel.utf8)
        self.subscriber = RedisSubscriber(
            configuration: configuration.redis,
            channels: [configuration.keys.channel, heartbeatChannel],
            logger: logger,
            loop: loop,
            onMessage: { [unowned self] channel, payload in self.received(channel: channel, payload: payload) },
            onStatus: { [unowned self] status in self.statusChanged(status) }
        )
    }

    deinit {
        // The timers' callbacks hold the service unowned: `run()` frees them on the loop thread before it returns.
        assert(heartbeatTimer == nil && gapRetryTimer == nil, "SubscriptionService released while its timers were armed")
    }

    /// Subscribed, caught up, and the heartbeat came back recently.
    var isHealthy: Bool { healthy.load(ordering: .relaxed) }

    /// Re-subscriptions that found delivered events missing from the stream, since the start (for `/readyz`).
    var streamRollbacks: Int { rollbacks.load(ordering: .relaxed) }

    func run() async throws {
        loop.start()
        commands.start()
        subscriber.start()
        loop.execute { self.startHeartbeat() }
        try? await gracefulShutdown()
        await loop.run { self.isStopping = true }
        // Closing the connections fails their pending reads on the loop thread; with `isStopping` set, none of them
        // arms a retry, so the timers can be freed last.
        await subscriber.shutdown()
        await commands.shutdown()
        await loop.run {
            self.heartbeatTimer?.free()
            self.gapRetryTimer?.free()
            self.heartbeatTimer = nil
            self.gapRetryTimer = nil
        }
        await loop.stop()
    }

    // MARK: - Redis loop thread

    private func received(channel: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        if channel.elementsEqual(heartbeatChannel) {
            lastHeartbeat = .now
            updateHealth()
            return
        }
        guard let publication = Publication(envelope: Array(payload), compress: compress) else {
            metrics.invalidMessages.increment()
            return
        }
        metrics.received.increment()
        perform(sequencer.received(publication))
    }

    private func statusChanged(_ status: RedisSubscriber.Status) {
        switch status {
        case .subscribed:
            subscribedAt = .now
            lastHeartbeat = nil
            perform(sequencer.subscribed())
        case .dropped(let error):
            if sequencer.isLive || sequencer.lastID != nil { metrics.subscriptionReconnects.increment() }
            logger.warning(
                "Subscription dropped; will fill the gap from the stream after reconnecting",
                metadata: ["error": .string(error.description)]
            )
            sequencer.dropped()
            subscribedAt = nil
        }
        updateHealth()
    }

    private func perform(_ action: StreamSequencer.Action) {
        broadcaster.publish(action.deliver)
        for publication in action.deliver { delivered.insert(publication.id) }
        if action.rolledBack {
            metrics.streamRollbacks.increment()
            rollbacks.add(1, ordering: .relaxed)
            logger.error(
                "Events delivered live are missing from the stream after a Redis failover: they were never acknowledged, and come back under new ids when Mandrill retries",
                metadata: ["resuming_after": .string(action.readGap?.description ?? "start")]
            )
        }
        if let id = action.checkPosition { checkPosition(id) }
        if let after = action.readGap { readGap(after: after) }
        if action.readTip { readTip() }
        updateHealth()
    }

    /// Finds the newest entry at or before `id` (the last one delivered) that clients have seen; see
    /// ``StreamSequencer/positionChecked(lastShared:)``. Only the newest page is looked at: a failover loses at most
    /// what the replicas had not received yet.
    private func checkPosition(_ id: StreamID) {
        commands.connection.send(RedisCommand("XREVRANGE", keys.stream, id.description, "-", "COUNT", "256")) { [self] result in
            switch result {
            case .success(let reply):
                let ids = StreamEntry.ids(in: reply)
                // The last delivered entry is there (the normal case), or the newest one clients saw, or else the newest.
                let shared = ids.first == id ? id : ids.first(where: delivered.contains) ?? ids.first
                perform(sequencer.positionChecked(lastShared: shared))
            case .failure(let error):
                logger.warning("Finding the last delivered event in the stream failed; retrying", metadata: ["error": .string(error.description)])
                retryRead()
            }
        }
    }

    /// Reads the stream's newest id (`0-0` when it is empty) for the first subscription.
    private func readTip() {
        commands.connection.send(RedisCommand("XREVRANGE", keys.stream, "+", "-", "COUNT", "1")) { [self] result in
            switch result {
            case .success(let reply):
                perform(sequencer.tipRead(StreamEntry.lastID(in: reply) ?? .zero))
            case .failure(let error):
                logger.warning("Reading the stream's newest id failed; retrying", metadata: ["error": .string(error.description)])
                retryRead()
            }
        }
    }

    private func readGap(after id: StreamID) {
        let command = RedisCommand("XRANGE", keys.stream, "(\(id)", "+", "COUNT", String(Self.gapPageSize))
        StreamPage.read(command, requested: Self.gapPageSize, on: commands.connection) { [self] result in
            switch result {
            case .success(let page):
                let publications = page.entries.map { Publication(entry: $0, compress: compress) }
                let action = sequencer.gapRead(publications, through: page.lastID, complete: page.reachedEnd)
                metrics.gapFillEvents.increment(by: Int64(action.deliver.count))
                if page.reachedEnd && action.readGap == nil {
                    logger.info("Subscription caught up from the stream", metadata: ["last_id": .string(sequencer.lastID?.description ?? "none")])
                }
                perform(action)
            case .failure(let error):
                logger.warning("Gap fill read failed; retrying", metadata: ["error": .string(error.description)])
                retryRead()
            }
        }
    }

    /// Retries the pending tip or gap read shortly (Redis was unavailable).
    private func retryRead() {
        guard !isStopping else { return }
        if gapRetryTimer == nil {
            gapRetryTimer = loop.makeTimer(repeating: false) { [unowned self] in
                switch self.sequencer.state {
                case .recovering(let lastID, _, _):
                    if self.sequencer.needsPositionCheck { self.checkPosition(lastID) } else { self.readGap(after: lastID) }
                case .findingTip: self.readTip()
                case .waiting, .live: break
                }
            }
        }
        gapRetryTimer?.schedule(after: .milliseconds(250))
    }

    private func startHeartbeat() {
        guard !isStopping else { return }
        heartbeatTimer = loop.makeTimer(repeating: true) { [unowned self] in self.heartbeat() }
        heartbeatTimer?.schedule(after: heartbeatInterval)
    }

    /// Publishes the next heartbeat and recycles a subscription that stopped delivering them.
    private func heartbeat() {
        commands.connection.send(RedisCommand(arguments: ["PUBLISH", String(decoding: heartbeatChannel, as: UTF8.self), "1"])) { _ in }
        let deadline = heartbeatInterval * 3
        if let subscribedAt, ContinuousClock.now - (lastHeartbeat ?? subscribedAt) > deadline {
            logger.warning("Subscription heartbeat missing; re-subscribing")
            self.subscribedAt = .now
            subscriber.recycle(reason: "heartbeat not received")
        }
        updateHealth()
    }

    private func updateHealth() {
        let fresh = lastHeartbeat.map { ContinuousClock.now - $0 <= heartbeatInterval * 3 } ?? false
        let isHealthy = sequencer.isLive && fresh
        if healthy.exchange(isHealthy, ordering: .relaxed) != isHealthy {
            metrics.subscriptionHealthy.set(to: isHealthy ? 1 : 0)
            logger.info(isHealthy ? "Subscription healthy" : "Subscription unhealthy")
        }
    }
}
