import NIOHTTP1
import NetClients
package import Simulation

/// POSTs signed batches like Mandrill: a batch that did not get a 200 is sent again until it does (after
/// `retryInterval`, where Mandrill waits minutes), for up to `deadline` per batch. Records what was refused.
package final class RetryingPoster: Sendable {
    package let port: Int
    private let path: String
    private let retryInterval: Duration
    private let deadline: Duration
    private let state = Locked((acknowledged: 0, refusals: [Int]()))

    package init(port: Int, path: String = "/mandrill/events", retryInterval: Duration = .milliseconds(100), deadline: Duration = .seconds(180)) {
        self.port = port
        self.path = path
        self.retryInterval = retryInterval
        self.deadline = deadline
    }

    /// Batches answered 200.
    package var acknowledged: Int { state.value.acknowledged }
    /// Statuses of the attempts that were not (0: no answer).
    package var refusals: [Int] { state.value.refusals }

    /// Sends each batch in turn until it gets a 200.
    package func deliver(_ batches: some Sequence<SignedBatch>) async throws {
        for batch in batches { try await deliver(batch) }
    }

    package func deliver(_ batch: SignedBatch) async throws {
        let giveUp = ContinuousClock.now + deadline
        while true {
            let response = try? await httpRequest(.POST, port: port, path, headers: batch.headers, body: batch.body)
            if response?.status == 200 {
                state.withLock { $0.acknowledged += 1 }
                return
            }
            state.withLock { $0.refusals.append(response?.status ?? 0) }
            guard ContinuousClock.now < giveUp else { throw TestSupportError("batch never accepted; last status \(response?.status ?? 0)") }
            try await Task.sleep(for: retryInterval)
        }
    }
}
