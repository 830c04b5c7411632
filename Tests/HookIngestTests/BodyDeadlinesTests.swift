import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import hook_ingest

@Suite("Body deadlines: one sweep enforces every webhook body's time limit")
struct BodyDeadlinesTests {
    @Test("a read still registered at its deadline expires once; one removed before never does; the expiry may use the registry")
    func expiresOnlyWhatIsLate() {
        let deadlines = BodyDeadlines(timeout: .seconds(60))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let expired = Mutex<[String]>([])
        let late = deadlines.register(now: start) {
            // Runs outside the lock: reading the registry here must not deadlock.
            expired.withLock { $0.append("late (\(deadlines.count) left)") }
        }
        let done = deadlines.register(now: start) { expired.withLock { $0.append("done") } }
        let later = deadlines.register(now: start + .seconds(30)) { expired.withLock { $0.append("later") } }
        deadlines.remove(done)
        #expect(deadlines.sweep(now: start + .seconds(59)) == 0)
        #expect(deadlines.sweep(now: start + .seconds(60)) == 1)
        #expect(expired.withLock { $0 } == ["late (1 left)"])
        // Removing what already expired is harmless, and it never runs twice.
        deadlines.remove(late)
        #expect(deadlines.sweep(now: start + .seconds(61)) == 0)
        #expect(deadlines.sweep(now: start + .seconds(90)) == 1)
        #expect(expired.withLock { $0 } == ["late (1 left)", "later"])
        deadlines.remove(later)
        #expect(deadlines.count == 0)
    }

    @Test(
        "the sweep runs every tenth of the timeout, between 10 ms and 1 s",
        arguments: [
            (Duration.milliseconds(100), Duration.milliseconds(10)), (.seconds(2), .milliseconds(200)), (.seconds(60), .seconds(1)),
        ]
    )
    func sweepInterval(timeout: Duration, interval: Duration) {
        #expect(BodyDeadlines(timeout: timeout).sweepInterval == interval)
    }

    @Test("running as a service, it expires a late read without being asked")
    func runs() async throws {
        let deadlines = BodyDeadlines(timeout: .milliseconds(100))
        let expired = Mutex(false)
        _ = deadlines.register { expired.withLock { $0 = true } }
        let service = Task { await deadlines.run() }
        try await waitUntil("the late read expired") { expired.withLock { $0 } }
        #expect(deadlines.count == 0)
        service.cancel()
        await service.value
    }
}
