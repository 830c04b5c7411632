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
///
/// Nobody ever blocks waiting for the thread: it is detached when it starts, and ``stop()`` suspends until the
/// thread itself resumes the waiters as its last step, so shutdown never holds a thread of Swift's cooperative pool.
///
/// `@unchecked Sendable`: `base` and `wakeEvent` are touched only on the loop thread (or before it starts and after
/// it ended, when no other thread can reach them), the queue and the lifecycle are behind `state`'s lock, and
/// `threadID` is atomic.
package final class RedisEventLoop: @unchecked Sendable {
    /// The libevent base; only touched on the loop thread (see the type's invariant).
    let base: OpaquePointer
    /// Set once in `init`, then only read.
    private var wakeEvent: OpaquePointer?
    private let state = Mutex<LoopState>(LoopState())
    /// The loop thread's `pthread_t`, written by that thread when it starts and cleared when it ends (0 otherwise):
    /// only the loop thread can find its own id here, which is all ``isCurrentThread`` needs.
    private let threadID = Atomic<UInt>(0)
    /// For diagnostics.
    package let name: String

    private struct LoopState: ~Copyable {
        enum Phase {
            case notStarted
            case running
            /// Jobs already queued still run; new ones are refused.
            case stopping
            case stopped
        }

        var phase = Phase.notStarted
        var jobs: [@Sendable () -> Void] = []
        /// ``stop()`` callers waiting for the thread to end.
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    package init(name: String) {
        precondition(libeventThreadingEnabled, "evthread_use_pthreads failed")
        guard let base = event_base_new() else { fatalError("event_base_new failed") }
        self.base = base
        self.name = name
        // The callback's argument is unretained: the event is freed in deinit, so it never outlives `self`.
        self.wakeEvent = event_new(
            base,
            -1,
            0,
            { _, _, argument in Unmanaged<RedisEventLoop>.fromOpaque(argument!).takeUnretainedValue().runJobs() },
            Unmanaged.passUnretained(self).toOpaque()
        )
        precondition(wakeEvent != nil, "event_new failed")
    }

    deinit {
        let phase = state.withLock { $0.phase }
        // The running thread holds a strong reference, so only a loop that never started or has ended gets here.
        assert(phase == .notStarted || phase == .stopped, "RedisEventLoop \(name) deinitialized while its thread runs")
        if let wakeEvent { event_free(wakeEvent) }
        event_base_free(base)
    }

    /// Starts the loop thread. The thread keeps the loop alive until ``stop()`` or ``stopEventually()``.
    package func start() {
        let shouldStart = state.withLock { state -> Bool in
            guard case .notStarted = state.phase else { return false }
            state.phase = .running
            return true
        }
        guard shouldStart else { return }
        // The thread owns this reference until it ends.
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread,
            nil,
            { argument in
                let loop = Unmanaged<RedisEventLoop>.fromOpaque(argument!).takeRetainedValue()
                loop.threadID.store(UInt(pthread_self()), ordering: .relaxed)
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
        pthread_detach(thread)
    }

    /// Stops the loop after the jobs already queued, and returns once its thread has ended. Never blocks a thread:
    /// the caller is suspended and the loop thread resumes it as its last step.
    package func stop() async {
        precondition(!isCurrentThread, "RedisEventLoop.stop() on its own thread would wait for itself")
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyStopped = state.withLock { state -> Bool in
                if case .stopped = state.phase { return true }
                if case .notStarted = state.phase {
                    state.phase = .stopped
                    return true
                }
                state.stopWaiters.append(continuation)
                return false
            }
            if alreadyStopped {
                continuation.resume()
            } else {
                requestStop()
            }
        }
    }

    /// Stops the loop after the jobs already queued, without waiting; the thread ends on its own.
    package func stopEventually() {
        let neverStarted = state.withLock { state -> Bool in
            guard case .notStarted = state.phase else { return false }
            state.phase = .stopped
            return true
        }
        if !neverStarted { requestStop() }
    }

    /// Queues the loop break if the loop is running.
    private func requestStop() {
        let wasRunning = state.withLock { state -> Bool in
            guard case .running = state.phase else { return false }
            state.jobs.append { _ = event_base_loopbreak(self.base) }
            state.phase = .stopping
            return true
        }
        if wasRunning { event_active(wakeEvent, Int32(EV_READ), 0) }
    }

    /// Runs `job` on the loop thread, after the jobs queued before it. Safe from any thread.
    /// Returns `false`, without running the job, once the loop is stopping.
    @discardableResult
    package func execute(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state -> Bool in
            switch state.phase {
            case .notStarted, .running:
                state.jobs.append(job)
                return true
            case .stopping, .stopped:
                return false
            }
        }
        // Activating an already active event is a no-op, so a burst of jobs costs one wake-up.
        if accepted { event_active(wakeEvent, Int32(EV_READ), 0) }
        return accepted
    }

    /// Runs `body` on the loop thread and returns once it ran; returns at once, without running it, once the loop is
    /// stopping.
    package func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = execute {
                body()
                continuation.resume()
            }
            if !accepted { continuation.resume() }
        }
    }

    /// Whether the caller runs on the loop thread.
    package var isCurrentThread: Bool {
        threadID.load(ordering: .relaxed) == UInt(pthread_self())
    }

    /// Makes a timer owned by this loop. Call only on the loop thread.
    package func makeTimer(repeating: Bool, _ body: @escaping () -> Void) -> RedisTimer {
        RedisTimer(base: base, repeating: repeating, body: body)
    }

    /// Runs queued jobs until none are left; the `final` run after the loop ended marks the loop stopped and
    /// resumes whoever waits in ``stop()``.
    private func runJobs(final: Bool = false) {
        while true {
            let (batch, waiters) = state.withLock { state -> ([@Sendable () -> Void], [CheckedContinuation<Void, Never>]) in
                let batch = state.jobs
                state.jobs.removeAll(keepingCapacity: true)
                guard batch.isEmpty && final else { return (batch, []) }
                // glibc reuses thread ids: a later thread must not be taken for this one.
                threadID.store(0, ordering: .relaxed)
                state.phase = .stopped
                let waiters = state.stopWaiters
                state.stopWaiters = []
                return (batch, waiters)
            }
            for waiter in waiters { waiter.resume() }
            if batch.isEmpty { return }
            for job in batch { job() }
        }
    }
}
