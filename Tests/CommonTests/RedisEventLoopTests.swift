import Common
import Foundation
import TestSupport
import Testing

@Suite("The Redis loop thread: jobs, stop, and never blocking Swift's cooperative pool")
struct RedisEventLoopTests {
    @Test("jobs run on the loop thread in order; stop() runs the queued ones first, then refuses new ones")
    func jobsAndStop() async throws {
        let loop = RedisEventLoop(name: "test-loop")
        loop.start()
        let seen = Locked<[Int]>([])
        let onLoop = Locked<[Bool]>([])
        for number in 0..<100 {
            loop.execute {
                seen.withLock { $0.append(number) }
                onLoop.withLock { $0.append(loop.isCurrentThread) }
            }
        }
        #expect(!loop.isCurrentThread)
        await loop.stop()
        #expect(seen.value == Array(0..<100))
        #expect(onLoop.value.allSatisfy { $0 })
        #expect(!loop.execute {}, "a stopped loop refuses jobs")
        await loop.stop()  // a second stop returns at once
    }

    @Test("stop() on a loop that never started returns at once")
    func stopUnstarted() async {
        let loop = RedisEventLoop(name: "test-idle")
        await loop.stop()
        #expect(!loop.execute {})
    }

    /// More loops stop at once than Swift's cooperative pool has threads, while each loop is still busy with a job
    /// that only a later task can finish. A `stop()` that blocked its thread until the loop ended (a thread join)
    /// would hold every pool thread, the releasing task would never run, and the jobs would give up after their
    /// wait: the test would see them time out. Suspending instead leaves the pool free.
    @Test("stopping more loops than the pool has threads, each busy until a later task releases it, suspends instead of blocking")
    func stopSuspends() async throws {
        let count = ProcessInfo.processInfo.activeProcessorCount + 2
        let release = DispatchSemaphore(value: 0)
        let outcomes = Locked<[DispatchTimeoutResult]>([])
        let loops = (0..<count).map { RedisEventLoop(name: "test-busy-\($0)") }
        let started = DispatchSemaphore(value: 0)
        for loop in loops {
            loop.start()
            loop.execute {
                started.signal()
                let outcome = release.wait(timeout: .now() + 60)
                outcomes.withLock { $0.append(outcome) }
            }
        }
        for _ in loops { started.wait() }
        await withTaskGroup(of: Void.self) { group in
            for loop in loops { group.addTask { await loop.stop() } }
            group.addTask {
                // Runs only if the stopping tasks left a pool thread free.
                for _ in loops { release.signal() }
            }
        }
        #expect(outcomes.value.count == count)
        #expect(outcomes.value.allSatisfy { $0 == .success }, "every busy job was released by the task, none gave up waiting")
    }
}
