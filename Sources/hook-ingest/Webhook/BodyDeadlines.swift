import NIOCore
import ServiceLifecycle
import Synchronization

/// The time limits of the webhook bodies being read, enforced by one periodic sweep instead of a timer per request.
///
/// A NIO timer per request is set and cancelled from the request's task, off the connection's event loop, and each
/// of the two wakes that loop up: about a tenth of hook-ingest's CPU per 1-event request. Here a read registers
/// its deadline under a lock and removes it once its body has arrived; the sweep, every tenth of the timeout
/// (between 10 ms and 1 s), runs the expiry of every read past its deadline. A stalled body is so cut between the
/// timeout and the timeout plus one sweep interval.
///
/// A service: it sweeps until graceful shutdown reaches it, which is after the HTTP server has stopped (services
/// stop in reverse order, and Hummingbird adds the server last), so bodies still being read while the server
/// drains keep their limit.
final class BodyDeadlines: Service, Sendable {
    private struct Entry {
        let deadline: NIODeadline
        let expire: @Sendable () -> Void
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
    }

    let timeout: Duration
    let sweepInterval: Duration
    private let state = Mutex(State())

    init(timeout: Duration) {
        self.timeout = timeout
        self.sweepInterval = min(max(timeout / 10, .milliseconds(10)), .seconds(1))
    }

    /// Registers a read that must end within ``timeout`` from `now`; `expire` runs on the sweeping task if the read
    /// is still registered then. Returns the id to ``remove(_:)`` it with.
    func register(now: NIODeadline = .now(), expire: @escaping @Sendable () -> Void) -> UInt64 {
        let entry = Entry(deadline: now + TimeAmount(timeout), expire: expire)
        return state.withLock { state in
            state.nextID += 1
            state.entries[state.nextID] = entry
            return state.nextID
        }
    }

    /// Ends a read's limit (its body arrived, or it failed); nothing happens if it already expired.
    func remove(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Reads registered now.
    var count: Int { state.withLock { $0.entries.count } }

    /// Removes every read past its deadline at `now` and runs their expiry, outside the lock. Returns how many.
    @discardableResult
    func sweep(now: NIODeadline = .now()) -> Int {
        let expired = state.withLock { state -> [Entry] in
            let expired = state.entries.filter { $0.value.deadline <= now }
            for id in expired.keys { state.entries[id] = nil }
            return Array(expired.values)
        }
        for entry in expired { entry.expire() }
        return expired.count
    }

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.sweepInterval)
                self.sweep()
            }
        }
    }
}
