import CHiredis
package import Logging

/// A long-lived SUBSCRIBE on its own connection. Messages are handed to `onMessage` on the loop thread as raw
/// bytes that are valid only during the call: the handler copies what it keeps and hands it on to other threads.
package final class RedisSubscriber: RedisConnectionService, Sendable {
    package enum Status: Sendable {
        /// Every channel is subscribed; messages flow from here on.
        case subscribed
        /// The subscription dropped; messages published from now until the next `.subscribed` are not delivered.
        case dropped(RedisError)
    }

    package typealias MessageHandler = (_ channel: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) -> Void

    package let connection: RedisConnection
    package let ownsLoop: Bool

    package init(
        configuration: RedisConfiguration,
        channels: [String],
        logger: Logger,
        loop: RedisEventLoop? = nil,
        onMessage: @escaping MessageHandler,
        onStatus: @escaping (Status) -> Void
    ) {
        self.ownsLoop = loop == nil
        // The connection keeps the handler alive (through these closures) for as long as hiredis may call it.
        let handler = SubscriptionHandler(channels: channels, logger: logger, onMessage: onMessage, onStatus: onStatus)
        self.connection = RedisConnection(
            configuration: configuration,
            loop: loop ?? RedisEventLoop(name: "redis-sub"),
            logger: logger,
            onReady: { connection in handler.subscribe(on: connection) },
            onEvent: { event in handler.connectionChanged(event) }
        )
    }

    /// An owner that forgot to shut down must not leave a loop thread and a reconnecting connection behind.
    deinit {
        closeEventually()
    }

    /// Drops and re-establishes the subscription (for example when a heartbeat stopped arriving). Any thread.
    package func recycle(reason: String) {
        connection.recycle(reason: reason)
    }
}

/// Receives hiredis' subscription callbacks. Touched only on the loop thread (see ``RedisEventLoop``), which makes
/// the `@unchecked Sendable` sound; hiredis reaches it through an unretained pointer, valid because the connection
/// that calls it also retains it.
private final class SubscriptionHandler: @unchecked Sendable {
    let channels: [String]
    let logger: Logger
    let onMessage: RedisSubscriber.MessageHandler
    let onStatus: (RedisSubscriber.Status) -> Void
    private var confirmed = 0

    init(
        channels: [String],
        logger: Logger,
        onMessage: @escaping RedisSubscriber.MessageHandler,
        onStatus: @escaping (RedisSubscriber.Status) -> Void
    ) {
        self.channels = channels
        self.logger = logger
        self.onMessage = onMessage
        self.onStatus = onStatus
    }

    /// The connection being subscribed; loop-confined like the handler.
    private weak var connection: RedisConnection?

    func subscribe(on connection: RedisConnection) {
        self.connection = connection
        confirmed = 0
        let sent = connection.sendPersistent(
            RedisCommand(arguments: ["SUBSCRIBE"] + channels),
            callback: subscriptionCallback,
            privdata: Unmanaged.passUnretained(self).toOpaque()
        )
        if !sent { connection.recycle(reason: "SUBSCRIBE could not be sent") }
    }

    func connectionChanged(_ event: RedisConnection.Event) {
        if case .disconnected(let error) = event {
            confirmed = 0
            onStatus(.dropped(error))
        }
    }

    func received(_ reply: UnsafePointer<redisReply>) {
        let reply = reply.pointee
        guard reply.type == REDIS_REPLY_ARRAY, reply.elements >= 3, let kind = reply.element[0]?.pointee else { return }
        let kindBytes = UnsafeRawBufferPointer(start: kind.str, count: kind.len)
        if kindBytes.elementsEqual("message".utf8), let channel = reply.element[1]?.pointee, let payload = reply.element[2]?.pointee {
            onMessage(
                UnsafeRawBufferPointer(start: channel.str, count: channel.len),
                UnsafeRawBufferPointer(start: payload.str, count: payload.len)
            )
        } else if kindBytes.elementsEqual("subscribe".utf8) {
            confirmed += 1
            if confirmed == channels.count {
                connection?.subscriptionConfirmed()
                logger.info("Redis subscription active", metadata: ["channels": .string(channels.joined(separator: ","))])
                onStatus(.subscribed)
            }
        }
    }
}

private func subscriptionCallback(
    _ context: UnsafeMutablePointer<redisAsyncContext>?,
    _ reply: UnsafeMutableRawPointer?,
    _ privdata: UnsafeMutableRawPointer?
) {
    // A NULL reply means the connection is going away; the disconnect is reported through the connection's events.
    guard let reply, let privdata else { return }
    Unmanaged<SubscriptionHandler>.fromOpaque(privdata).takeUnretainedValue()
        .received(UnsafePointer(reply.assumingMemoryBound(to: redisReply.self)))
}
