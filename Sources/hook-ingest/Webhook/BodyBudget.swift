import DequeModule
import Synchronization

/// The memory webhook bodies may hold at once, shared by every request: `--max-concurrent-bodies` bodies of the
/// largest size, or many more small ones. A request reserves its `Content-Length` (the maximum when it has
/// none) before its body is read, and gives it back when its answer is ready.
///
/// Without it, N unauthenticated clients sending 32 MiB each cost N × 32 MiB before the first signature check.
/// Requests that find the budget spent wait in arrival order, so a large body is not starved by small ones;
/// a wait that outlasts its deadline gives up, and the caller answers 503 so that Mandrill retries.
final class BodyBudget: Sendable {
    private enum Ticket {
        /// Queued; its task has not parked yet.
        case pending(bytes: Int)
        case waiting(bytes: Int, CheckedContinuation<Bool, Never>)
        /// Granted before its task parked.
        case granted
        /// Given up before its task parked.
        case withdrawn

        var bytes: Int {
            switch self {
            case .pending(let bytes), .waiting(let bytes, _): bytes
            case .granted, .withdrawn: 0
            }
        }
    }

    private struct State {
        var available: Int
        var queue: Deque<UInt64> = []
        var tickets: [UInt64: Ticket] = [:]
        var nextID: UInt64 = 0
    }

    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = capacity
        self.state = Mutex(State(available: capacity))
    }

    /// Bytes not reserved right now.
    var available: Int { state.withLock { $0.available } }

    /// Whether a request waits for its share.
    var hasWaiters: Bool { state.withLock { !$0.queue.isEmpty } }

    /// Reserves `bytes` (capped at the capacity), waiting up to `timeout`. Returns `false` when the wait timed out;
    /// nothing is then reserved.
    func reserve(_ bytes: Int, timeout: Duration) async -> Bool {
        let bytes = clamp(bytes)
        let id = state.withLock { state -> UInt64? in
            if state.queue.isEmpty, state.available >= bytes {
                state.available -= bytes
                return nil
            }
            state.nextID += 1
            state.tickets[state.nextID] = .pending(bytes: bytes)
            state.queue.append(state.nextID)
            return state.nextID
        }
        guard let id else { return true }
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.park(id) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            if let result = await group.next(), let granted = result {
                group.cancelAll()
                return granted
            }
            // The deadline passed first: withdraw. The parked task then answers at once, `true` if the grant won
            // the race (the bytes are then ours and the caller uses them).
            withdraw(id)
            while let result = await group.next() {
                if let granted = result { return granted }
            }
            return false
        }
    }

    /// Gives back what ``reserve(_:timeout:)`` took, and wakes the waiters that now fit, in order.
    func release(_ bytes: Int) {
        let woken = state.withLock { state in
            state.available += clamp(bytes)
            return Self.grantFitting(&state)
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Grants the queue's head while it fits; returns the parked tasks to wake.
    private static func grantFitting(_ state: inout State) -> [CheckedContinuation<Bool, Never>] {
        var woken: [CheckedContinuation<Bool, Never>] = []
        while let id = state.queue.first, let ticket = state.tickets[id], ticket.bytes <= state.available {
            state.available -= ticket.bytes
            state.queue.removeFirst()
            if case .waiting(_, let continuation) = ticket {
                state.tickets[id] = nil
                woken.append(continuation)
            } else {
                state.tickets[id] = .granted
            }
        }
        return woken
    }

    private func park(_ id: UInt64) async -> Bool {
        await withCheckedContinuation { continuation in
            let answer = state.withLock { state -> Bool? in
                switch state.tickets[id] {
                case .pending(let bytes):
                    state.tickets[id] = .waiting(bytes: bytes, continuation)
                    return nil
                case .granted:
                    state.tickets[id] = nil
                    return true
                case .withdrawn, .waiting, nil:
                    state.tickets[id] = nil
                    return false
                }
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// Takes a waiter out of the queue; those behind it may fit now.
    private func withdraw(_ id: UInt64) {
        let (refused, woken) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Bool, Never>]) in
            var refused: CheckedContinuation<Bool, Never>?
            switch state.tickets[id] {
            case .pending:
                state.tickets[id] = .withdrawn
            case .waiting(_, let continuation):
                state.tickets[id] = nil
                refused = continuation
            case .granted, .withdrawn, nil:
                return (nil, [])
            }
            state.queue.removeAll { $0 == id }
            return (refused, Self.grantFitting(&state))
        }
        refused?.resume(returning: false)
        for continuation in woken { continuation.resume(returning: true) }
    }

    private func clamp(_ bytes: Int) -> Int {
        min(max(bytes, 1), capacity)
    }
}
