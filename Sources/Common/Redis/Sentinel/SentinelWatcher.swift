package import Logging
package import Prometheus
package import ServiceLifecycle

/// Follows failovers as they are announced: a subscription to `+switch-master` on every sentinel of the set,
/// each reconnecting on its own. An announcement for our master name moves every registered connection to the new
/// primary (``RedisSentinelSet/primaryChanged(to:)``). After each (re)subscription the sentinels are asked again,
/// so an announcement missed while a subscription was down is caught up. Each change of primary is logged and
/// counted in `mandrill_redis_failovers_total`.
package final class SentinelWatcher: Service, Sendable {
    private let set: RedisSentinelSet
    private let loop: RedisEventLoop
    private let subscribers: [RedisSubscriber]

    package init(set: RedisSentinelSet, template: RedisConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) {
        let failovers = registry.counter("redis_failovers", help: "Times the Redis primary named by the sentinels changed.")
        set.onPrimaryChange { from, to in
            failovers.increment()
            logger.warning("Redis primary changed", metadata: ["from": .string(from.description), "to": .string(to.description)])
        }
        let loop = RedisEventLoop(name: "redis-sentinel")
        self.set = set
        self.loop = loop
        self.subscribers = set.sentinels.map { sentinel in
            var configuration = template
            configuration.host = sentinel.host
            configuration.port = sentinel.port
            configuration.username = nil
            configuration.password = set.password
            configuration.database = 0
            configuration.sentinel = nil
            return RedisSubscriber(
                configuration: configuration,
                channels: ["+switch-master"],
                logger: logger,
                loop: loop,
                onMessage: { _, payload in
                    guard let endpoint = Self.newPrimary(in: payload, masterName: set.masterName) else { return }
                    set.primaryChanged(to: endpoint)
                },
                onStatus: { status in
                    guard case .subscribed = status else { return }
                    set.locatePrimary(timeout: template.connectTimeout) { result in
                        if case .success(let endpoint) = result { set.primaryChanged(to: endpoint) }
                    }
                }
            )
        }
    }

    /// The watcher for `configuration`'s sentinels, if it has any: what both processes add to their services.
    package static func services(for configuration: RedisConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) -> [any Service] {
        guard let set = configuration.sentinel else { return [] }
        return [SentinelWatcher(set: set, template: configuration, registry: registry, logger: logger)]
    }

    package func run() async throws {
        loop.start()
        for subscriber in subscribers { subscriber.connection.start() }
        try? await gracefulShutdown()
        for subscriber in subscribers { await subscriber.connection.close() }
        await loop.stop()
    }

    /// `<master name> <old ip> <old port> <new ip> <new port>`, the `+switch-master` message.
    package static func newPrimary(in payload: UnsafeRawBufferPointer, masterName: String) -> RedisEndpoint? {
        let parts = payload.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        // The name is compared as bytes: as Strings, canonically equivalent spellings of another name would match.
        guard parts.count == 5, parts[0].elementsEqual(masterName.utf8) else { return nil }
        let fields = parts.map { String(decoding: $0, as: UTF8.self) }
        guard let port = Int(fields[4]), (1...65535).contains(port), !fields[3].isEmpty else {
            return nil
        }
        return RedisEndpoint(host: fields[3], port: port)
    }
}
