import CHiredis
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// libevent must be told to use pthread locks before the first `event_base` exists; a lazy global runs this exactly once.
private let libeventThreadingEnabled: Bool = evthread_use_pthreads() == 0

/// The one thread that owns a libevent `event_base` and every hiredis context attached to it.
///
/// Invariant, enforced here and relied on by ``RedisConnection`` and ``RedisTimer``: `base`, every
/// `redisAsyncContext` attached to it and every timer made by ``makeTimer(repeating:_:)`` are touched only on
/// this thread. Other threads hand it work through ``execute(_:)``, which appends to a locked queue and
/// activates a user event; `event_active` is safe from any thread because libevent's pthread locking is on.
package final class RedisEventLoop: @unchecked Sendable {
    /// The libevent base; only touched on the loop thread (see the type's invariant).
    let base: OpaquePointer
    private var wakeEvent: OpaquePointer?
    private let queue = Mutex<JobQueue>(JobQueue())
    private var thread = pthread_t()
    /// For diagnostics.
    package let name: String

    private struct JobQueue {
        enum State {
            case notStarted
            case running
            /// Jobs already queued still run; new ones are refused.
            case stopping
            case stopped
        }

        var state = State.notStarted
        var jobs: [@Sendable () -> Void] = []
    }

    package init(name: String) {
        precondition(libeventThreadingEnabled, "evthread_use_pthreads failed")
        guard let base = event_base_new() else { fatalError("event_base_new failed") }
        self.base = base
        self.name = name
        self.wakeEvent = event_new(
            base,
            -1,
            0,
            { _, _, argument in
                Unmanaged<RedisEventLoop>.fromOpaque(argument!).takeUnretainedValue().runJobs()
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    deinit {
        if let wakeEvent { event_free(wakeEvent) }
        event_base_free(base)
    }

    /// Starts the loop thread. The thread keeps the loop alive until ``stop()``.
    package func start() {
        let shouldStart = queue.withLock { queue -> Bool in
            guard case .notStarted = queue.state else { return false }
            queue.state = .running
            return true
        }
        guard shouldStart else { return }
        let box = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(
            &thread,
            nil,
            { argument in
                let loop = Unmanaged<RedisEventLoop>.fromOpaque(argument!).takeRetainedValue()
                // Named after the connection, so `top -H` and profiles tell it from the NIO thread that created
                // it, whose name it would otherwise inherit.
                chiredis_name_current_thread(loop.name)
                // Without NO_EXIT_ON_EMPTY the loop returns at once while nothing is pending.
                _ = event_base_loop(loop.base, EVLOOP_NO_EXIT_ON_EMPTY)
                loop.runJobs(final: true)
                return nil
            },
            box
        )
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    /// Stops the loop after the jobs already queued and waits for its thread to end.
    package func stop() {
        if requestStop(), !isCurrentThread {
            pthread_join(thread, nil)
        }
    }

    /// Stops the loop after the jobs already queued, without waiting; the thread ends on its own.
    package func stopEventually() {
        if requestStop() { pthread_detach(thread) }
    }

    /// Queues the loop break; returns whether the loop was running.
    private func requestStop() -> Bool {
        let wasRunning = queue.withLock { queue -> Bool in
            guard case .running = queue.state else {
                if case .notStarted = queue.state { queue.state = .stopped }
                return false
            }
            queue.jobs.append { _ = event_base_loopbreak(self.base) }
            queue.state = .stopping
            return true
        }
        if wasRunning { event_active(wakeEvent, Int32(EV_READ), 0) }
        return wasRunning
    }

    /// Runs `job` on the loop thread, after the jobs queued before it. Safe from any thread.
    /// Returns `false`, without running the job, once the loop is stopping.
    @discardableResult
    package func execute(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = queue.withLock { queue -> Bool in
            switch queue.state {
            case .notStarted, .running:
                queue.jobs.append(job)
                return true
            case .stopping, .stopped:
                return false
            }
        }
        // Activating an already active event is a no-op, so a burst of jobs costs one wake-up.
        if accepted { event_active(wakeEvent, Int32(EV_READ), 0) }
        return accepted
    }

    /// Whether the caller runs on the loop thread.
    package var isCurrentThread: Bool {
        pthread_equal(pthread_self(), thread) != 0
    }

    /// Makes a timer owned by this loop. Call only on the loop thread.
    package func makeTimer(repeating: Bool, _ body: @escaping () -> Void) -> RedisTimer {
        RedisTimer(base: base, repeating: repeating, body: body)
    }

    /// Runs queued jobs until none are left; the `final` run after the loop ended marks the loop stopped.
    private func runJobs(final: Bool = false) {
        while true {
            let batch = queue.withLock { queue -> [@Sendable () -> Void] in
                let batch = queue.jobs
                queue.jobs.removeAll(keepingCapacity: true)
                if batch.isEmpty && final { queue.state = .stopped }
                return batch
            }
            if batch.isEmpty { return }
            for job in batch { job() }
        }
    }
}
