import Dispatch
import Logging
import Synchronization

/// The sentinels that watch one master name, shared by every Redis connection of a process
/// (`--redis-sentinels`, `--redis-master-name`, `REDIS_SENTINEL_PASSWORD`).
///
/// Connections ask it for the primary before every connect attempt (``locatePrimary(completion:)``: each sentinel
/// in turn, the first answer wins) and register with it, so that a `+switch-master` announcement seen by
/// ``SentinelWatcher`` moves every one of them at once instead of each waiting for its socket to fail.
package final class RedisSentinelSet: Sendable, Equatable {
    package let sentinels: [RedisEndpoint]
    package let masterName: String
    /// Secret: never logged.
    let password: String?
    private let state = Mutex(State())

    private struct State {
        var connections: [ObjectIdentifier: WeakConnection] = [:]
        var primary: RedisEndpoint?
        /// Sentinels are tried from here on, so that one that stopped answering is not asked first every time.
        var nextSentinel = 0
        var observers: [@Sendable (_ from: RedisEndpoint, _ to: RedisEndpoint) -> Void] = []
    }

    private struct WeakConnection {
        weak var connection: RedisConnection?
    }

    package init(sentinels: [RedisEndpoint], masterName: String, password: String?) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.password = password
    }

    package static func == (lhs: RedisSentinelSet, rhs: RedisSentinelSet) -> Bool {
        lhs.sentinels == rhs.sentinels && lhs.masterName == rhs.masterName && lhs.password == rhs.password
    }

    /// Calls `observer` each time the primary named by a sentinel differs from the one named before (a failover
    /// seen by this process), from any thread.
    package func onPrimaryChange(_ observer: @escaping @Sendable (_ from: RedisEndpoint, _ to: RedisEndpoint) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    /// Asks the sentinels for the primary off the caller's thread; each is tried in turn until one answers.
    package func locatePrimary(timeout: Duration, completion: @escaping @Sendable (Result<RedisEndpoint, RedisError>) -> Void) {
        let start = state.withLock { $0.nextSentinel }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            var failures: [String] = []
            for offset in sentinels.indices {
                let index = (start + offset) % sentinels.count
                switch SentinelQuery.primary(of: masterName, at: sentinels[index], password: password, timeout: timeout) {
                case .success(let endpoint):
                    state.withLock { $0.nextSentinel = index }
                    record(primary: endpoint)
                    completion(.success(endpoint))
                    return
                case .failure(let error):
                    failures.append(error.message)
                }
            }
            state.withLock { $0.nextSentinel = (start + 1) % sentinels.count }
            completion(.failure(.connectionFailed("no sentinel named a primary: " + failures.joined(separator: "; "))))
        }
    }

    /// A sentinel announced a new primary: every registered connection that is elsewhere moves.
    package func primaryChanged(to endpoint: RedisEndpoint) {
        record(primary: endpoint)
        let connections = state.withLock { state in
            state.connections = state.connections.filter { $0.value.connection != nil }
            return state.connections.values.compactMap(\.connection)
        }
        for connection in connections { connection.primaryChanged(to: endpoint) }
    }

    func register(_ connection: RedisConnection) {
        state.withLock { $0.connections[ObjectIdentifier(connection)] = WeakConnection(connection: connection) }
    }

    private func record(primary endpoint: RedisEndpoint) {
        let (previous, observers) = state.withLock { state in
            defer { state.primary = endpoint }
            return (state.primary, state.observers)
        }
        guard let previous, previous != endpoint else { return }
        for observer in observers { observer(previous, endpoint) }
    }
}
