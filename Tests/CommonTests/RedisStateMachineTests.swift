import Common
import Testing

@Suite("Redis connection state machine")
struct RedisStateMachineTests {
    @Test("backoff doubles from the base and stops at the cap")
    func backoff() {
        let machine = RedisConnectionStateMachine(baseDelay: .milliseconds(50), maxDelay: .seconds(2))
        #expect((0..<8).map { machine.delay(forAttempt: $0) } == [50, 100, 200, 400, 800, 1600, 2000, 2000].map { .milliseconds($0) })
        #expect(machine.delay(forAttempt: 1000) == .seconds(2))
    }

    @Test("failed connects back off further; success resets")
    func reconnectCycle() {
        var machine = RedisConnectionStateMachine(baseDelay: .milliseconds(50), maxDelay: .seconds(2))
        #expect(machine.start() == .connect)
        #expect(machine.connectFailed() == .reconnect(after: .milliseconds(50)))
        #expect(machine.reconnectTimerFired() == .connect)
        #expect(machine.connectTimedOut() == .dropAndReconnect(after: .milliseconds(100)))
        #expect(machine.reconnectTimerFired() == .connect)
        #expect(machine.connectSucceeded() == .becomeReady)
        #expect(machine.isConnected)
        machine.replyReceived()
        #expect(machine.disconnected() == .reconnect(after: .milliseconds(50)))
        #expect(machine.reconnectTimerFired() == .connect)
        #expect(machine.connectSucceeded() == .becomeReady)
        machine.replyReceived()
        #expect(machine.connectionStalled() == .dropAndReconnect(after: .milliseconds(50)))
    }

    @Test("a Redis that accepts and closes before answering anything keeps backing off")
    func acceptThenClose() {
        var machine = RedisConnectionStateMachine(baseDelay: .milliseconds(50), maxDelay: .seconds(2))
        _ = machine.start()
        var delays: [Duration] = []
        for _ in 0..<7 {
            #expect(machine.connectSucceeded() == .becomeReady)
            guard case .reconnect(let delay) = machine.disconnected() else {
                Issue.record("expected a reconnect")
                return
            }
            delays.append(delay)
            _ = machine.reconnectTimerFired()
        }
        #expect(delays == [50, 100, 200, 400, 800, 1600, 2000].map { .milliseconds($0) })
        // Once Redis answers, the next drop starts from the base delay again.
        _ = machine.connectSucceeded()
        machine.replyReceived()
        #expect(machine.disconnected() == .reconnect(after: .milliseconds(50)))
    }

    @Test("events that do not fit the state are ignored")
    func strayEvents() {
        var machine = RedisConnectionStateMachine(baseDelay: .milliseconds(50), maxDelay: .seconds(2))
        #expect(machine.connectSucceeded() == .none)
        #expect(machine.disconnected() == .none)
        _ = machine.start()
        #expect(machine.start() == .none)
        #expect(machine.disconnected() == .none)
    }

    @Test("close wins over everything, once")
    func close() {
        var machine = RedisConnectionStateMachine(baseDelay: .milliseconds(50), maxDelay: .seconds(2))
        _ = machine.start()
        #expect(machine.close() == .shutDown)
        #expect(machine.close() == .none)
        #expect(machine.connectSucceeded() == .none)
        #expect(machine.reconnectTimerFired() == .none)
        #expect(machine.isClosed)
    }
}
