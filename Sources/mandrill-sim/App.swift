import ArgumentParser
import Common
import Foundation
import NIOHTTP1
import NetClients
import Simulation
import Synchronization

/// `mandrill-sim post` (the default): the webhook simulator.
struct PostBatches: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post",
        abstract: "Posts realistic, correctly signed Mandrill webhook batches to a URL at a chosen rate.",
        discussion: """
            Every message event type, both sync types and inbound mail are sent in turn (narrow them with --types).
            With --count the batches are generated before the clock starts, so the figures measure the receiver.
            A JSON summary is printed at the end: batches, events, statuses, stored and duplicate counts, rate and latency.
            """
    )

    @Option(help: "Where to POST (env: SIM_URL, default: http://127.0.0.1:8080/api/hook/).")
    var url: String?

    @Option(help: "The URL exactly as registered in Mandrill, which the signature covers (env: SIM_SIGNED_URL, default: --url).")
    var signedURL: String?

    @Option(help: "Webhook key to sign with (env: SIM_KEY, default: test-webhook, which the receiver accepts only for empty batches).")
    var key: String?

    @Option(help: "Batches per second; 0 sends as fast as the receiver answers (default: 1).")
    var rate: Double = 1

    @Option(help: "Events per batch; Mandrill sends up to 1000 (default: 10).")
    var batchSize: Int = 10

    @Option(help: "Batches to send, then stop; 0 runs until interrupted (default: 0).")
    var count: Int = 0

    @Option(help: "Connections posting in parallel (default: 1).")
    var concurrency: Int = 1

    @Option(help: "Comma-separated event types to send (default: all of \(EventFactory.allTypes.joined(separator: ","))).")
    var types: String?

    @Flag(help: "Send every batch twice, as Mandrill does when it retries; the second copy must be all duplicates.")
    var resend = false

    @Option(help: "Size of the attachment in inbound mails, in bytes (default: 2048).")
    var attachmentBytes: Int = 2048

    @Option(help: "Seed for the event generator (default: time-based).")
    var seed: UInt64?

    @Flag(help: "Print only the final summary.")
    var quiet = false

    func validate() throws {
        guard batchSize >= 1, batchSize <= 1000 else { throw ValidationError("--batch-size must be 1…1000") }
        guard concurrency >= 1, concurrency <= 1024 else { throw ValidationError("--concurrency must be 1…1024") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 or more") }
        guard count >= 0 else { throw ValidationError("--count must be 0 or more") }
        if let types {
            let unknown = EnvironmentValues.splitList(types).filter { !EventFactory.allTypes.contains($0) }
            guard unknown.isEmpty else { throw ValidationError("unknown event types: \(unknown.joined(separator: ","))") }
        }
    }

    func run() async throws {
        let environment = EnvironmentValues()
        let target = url ?? environment.string("SIM_URL", isSecret: true) ?? "http://127.0.0.1:8080/api/hook/"
        guard let components = URLComponents(string: target), let host = components.host, components.scheme == "http" else {
            throw ValidationError("--url must be an http:// URL")
        }
        let port = components.port ?? 80
        let basePath = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let path = components.percentEncodedQuery.map { "\(basePath)?\($0)" } ?? basePath
        let plan = Plan(
            signedURL: signedURL ?? environment.string("SIM_SIGNED_URL", isSecret: true) ?? target,
            key: key ?? environment.string("SIM_KEY", isSecret: true) ?? MandrillSignature.testWebhookKey,
            batchSize: batchSize,
            types: types.map(EnvironmentValues.splitList) ?? EventFactory.allTypes,
            attachmentBytes: attachmentBytes,
            seed: seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
        )
        let pregenerated: [SignedBatch]? = count > 0 ? plan.batches(count: count, worker: 0) : nil
        let stats = Stats()
        let started = ContinuousClock.now
        let sequence = Ticket()

        let quiet = self.quiet
        let reporter = Task {
            guard !quiet else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                if Task.isCancelled { break }
                FileHandle.standardError.write(Data((stats.summary(elapsed: ContinuousClock.now - started) + "\n").utf8))
            }
        }
        let (count, rate, copies) = (self.count, self.rate, resend ? 2 : 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    let connection = try await HTTPClientConnection.connect(host: host, port: port)
                    var factory = plan.factory(worker: worker + 1)
                    while true {
                        let index = sequence.next()
                        if count > 0 && index >= count { break }
                        if rate > 0 {
                            let due = started + .seconds(Double(index) / rate)
                            if due > .now { try await Task.sleep(until: due) }
                        }
                        let batch = pregenerated?[index] ?? plan.sign(factory.batch(size: plan.batchSize, types: plan.types))
                        for _ in 0..<copies {
                            let requestStarted = ContinuousClock.now
                            do {
                                let response = try await connection.request(.POST, path, headers: batch.headers, body: batch.body)
                                stats.record(response: response, events: batch.eventCount, latency: ContinuousClock.now - requestStarted)
                            } catch {
                                stats.recordFailure()
                                throw error
                            }
                        }
                    }
                    await connection.close()
                }
            }
            try await group.waitForAll()
        }
        reporter.cancel()
        print(stats.summary(elapsed: ContinuousClock.now - started))
    }
}

/// What to send: the generator settings and the signing key.
struct Plan: Sendable {
    let signedURL: String
    let key: String
    let batchSize: Int
    let types: [String]
    let attachmentBytes: Int
    let seed: UInt64

    func factory(worker: Int) -> EventFactory {
        var factory = EventFactory(seed: seed &+ UInt64(worker), startTime: Int(Date().timeIntervalSince1970), instance: worker)
        factory.inboundAttachmentBytes = attachmentBytes
        return factory
    }

    func sign(_ events: [SimJSON]) -> SignedBatch {
        SignedBatch(events: events, signedURL: signedURL, key: key)
    }

    func batches(count: Int, worker: Int) -> [SignedBatch] {
        var factory = factory(worker: worker)
        return (0..<count).map { _ in sign(factory.batch(size: batchSize, types: types)) }
    }
}

/// Hands out batch numbers to the workers.
final class Ticket: Sendable {
    private let value = Atomic<Int>(0)

    func next() -> Int {
        value.add(1, ordering: .relaxed).oldValue
    }
}
