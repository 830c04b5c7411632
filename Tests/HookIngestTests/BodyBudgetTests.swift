import Testing

@testable import hook_ingest

@Suite("Body budget: bounded memory for webhook bodies, in arrival order")
struct BodyBudgetTests {
    @Test("small reservations share the budget; what does not fit waits until released")
    func sharesAndWaits() async throws {
        let budget = BodyBudget(capacity: 100)
        #expect(await budget.reserve(30, timeout: .seconds(1)))
        #expect(await budget.reserve(30, timeout: .seconds(1)))
        #expect(budget.available == 40)
        async let waiter = budget.reserve(60, timeout: .seconds(60))
        // The waiter is queued, not granted: nothing else may overtake it, even what would fit.
        try await waitForQueue(budget)
        budget.release(30)
        #expect(await waiter)
        #expect(budget.available == 10)
    }

    @Test("a wait past its deadline gives up and reserves nothing; those behind it may then go")
    func timesOut() async {
        let budget = BodyBudget(capacity: 100)
        #expect(await budget.reserve(100, timeout: .seconds(1)))
        #expect(await budget.reserve(10, timeout: .milliseconds(50)) == false)
        budget.release(100)
        #expect(budget.available == 100)
    }

    @Test("a request larger than the budget is capped to it, so it can still run alone")
    func capped() async {
        let budget = BodyBudget(capacity: 100)
        #expect(await budget.reserve(1_000, timeout: .seconds(1)))
        #expect(budget.available == 0)
        budget.release(1_000)
        #expect(budget.available == 100)
    }

    private func waitForQueue(_ budget: BodyBudget) async throws {
        // The waiter parks asynchronously; give it the chance to queue (a safety net, not a timing assertion).
        for _ in 0..<100 where budget.available == 40 {
            try await Task.sleep(for: .milliseconds(5))
            if budget.hasWaiters { return }
        }
    }
}
