/// Lifecycle of one Redis connection: connect, reconnect with capped exponential backoff, close.
///
/// A value type that owns no sockets: ``RedisConnection`` feeds it what happened and performs the action it
/// returns, so the reconnect rules are tested without Redis.
package struct RedisConnectionStateMachine: Sendable {
    package enum State: Equatable, Sendable {
        case idle
        case connecting(attempt: Int)
        /// Up. `attempt` is the backoff step it came up on; it drops to 0 once Redis answers a command, so a
        /// Redis that accepts and then closes at once (at `maxclients`, or behind a proxy) keeps backing off
        /// instead of being hammered at the base delay forever.
        case connected(attempt: Int)
        case waitingToReconnect(attempt: Int)
        case closed
    }

    package enum Action: Equatable, Sendable {
        case none
        /// Open a new connection and arm the connect timeout.
        case connect
        /// The connection is usable: send the handshake and every queued command.
        case becomeReady
        /// Release the current connection (if any) and try again after the delay.
        case dropAndReconnect(after: Duration)
        /// The connection is already gone; try again after the delay.
        case reconnect(after: Duration)
        /// Release the connection (if any), cancel timers and fail everything still queued.
        case shutDown
    }

    package private(set) var state: State = .idle
    private let baseDelay: Duration
    private let maxDelay: Duration

    package init(baseDelay: Duration, maxDelay: Duration) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The delay before reconnect attempt number `attempt` (0-based): doubling from the base, capped.
    package func delay(forAttempt attempt: Int) -> Duration {
        var delay = baseDelay
        for _ in 0..<min(attempt, 30) {
            delay = delay * 2
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    package mutating func start() -> Action {
        guard case .idle = state else { return .none }
        state = .connecting(attempt: 0)
        return .connect
    }

    package mutating func connectSucceeded() -> Action {
        guard case .connecting(let attempt) = state else { return .none }
        state = .connected(attempt: attempt)
        return .becomeReady
    }

    /// Redis answered a command (not with an error): the connection works, and the backoff starts over.
    package mutating func replyReceived() {
        guard case .connected(let attempt) = state, attempt != 0 else { return }
        state = .connected(attempt: 0)
    }

    /// hiredis reported the connect as failed; it releases the context itself.
    package mutating func connectFailed() -> Action {
        guard case .connecting(let attempt) = state else { return .none }
        state = .waitingToReconnect(attempt: attempt + 1)
        return .reconnect(after: delay(forAttempt: attempt))
    }

    /// Our own connect timeout fired before hiredis answered.
    package mutating func connectTimedOut() -> Action {
        guard case .connecting(let attempt) = state else { return .none }
        state = .waitingToReconnect(attempt: attempt + 1)
        return .dropAndReconnect(after: delay(forAttempt: attempt))
    }

    /// The established connection dropped; hiredis releases the context itself.
    package mutating func disconnected() -> Action {
        guard case .connected(let attempt) = state else { return .none }
        state = .waitingToReconnect(attempt: attempt + 1)
        return .reconnect(after: delay(forAttempt: attempt))
    }

    /// A command got no reply in time, or liveness was lost: the connection is presumed stuck.
    package mutating func connectionStalled() -> Action {
        guard case .connected(let attempt) = state else { return .none }
        state = .waitingToReconnect(attempt: attempt + 1)
        return .dropAndReconnect(after: delay(forAttempt: attempt))
    }

    package mutating func reconnectTimerFired() -> Action {
        guard case .waitingToReconnect(let attempt) = state else { return .none }
        state = .connecting(attempt: attempt)
        return .connect
    }

    package mutating func close() -> Action {
        if case .closed = state { return .none }
        state = .closed
        return .shutDown
    }

    package var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }
    package var isClosed: Bool { state == .closed }
}
