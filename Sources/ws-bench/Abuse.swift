import ArgumentParser
import Foundation
import NetClients
import TestSupport

/// `ws-bench abuse`: the abuse tests' heaviest attacks against running processes, printing how much each one
/// raised the attacked process's peak resident memory. The tests assert bounds on debug builds; this shows the
/// figures of the build users run. Needs the right to write `/proc/<pid>/clear_refs` (root, or the same user).
struct Abuse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Peak RSS growth of hook-ingest and ws-gateway under hostile peers: one line per attack."
    )

    @Option(help: "hook-ingest port (on 127.0.0.1).") var ingestPort = 8080
    @Option(help: "hook-ingest process id, to read its memory from /proc.") var ingestPID: Int32
    @Option(help: "ws-gateway port (on 127.0.0.1).") var gatewayPort = 8081
    @Option(help: "ws-gateway process id, to read its memory from /proc.") var gatewayPID: Int32
    @Option(help: "Webhook path on hook-ingest.") var webhookPath = "/mandrill/events"
    @Option(help: "Body size of the POST attacks: hook-ingest's --max-body-bytes.") var bodyBytes = 32 << 20
    @Option(help: "Bytes of pings in the flood.") var floodBytes = 200_000_000

    func run() async throws {
        let ingest = ProcessMemory(pid: ingestPID)
        let gateway = ProcessMemory(pid: gatewayPID)
        let (bomb, fields) = HostilePeer.formFieldBomb(maxBytes: bodyBytes)
        try await measure("form field bomb, \(fields) fields in \(bomb.count >> 20) MiB", process: "hook-ingest", ingest) {
            try await HostilePeer.unsignedPost(port: ingestPort, path: webhookPath, body: bomb).statusLine
        }
        let oversized = HostilePeer.oversizedBatch(bytes: bodyBytes)
        try await measure("8 parallel unsigned \(bodyBytes >> 20) MiB bodies", process: "hook-ingest", ingest) {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask { [ingestPort, webhookPath] in
                        try await HostilePeer.unsignedPost(port: ingestPort, path: webhookPath, body: oversized).statusLine
                    }
                }
                var answers: [String: Int] = [:]
                for try await answer in group { answers[answer, default: 0] += 1 }
                return answers.map { "\($0.value) × \($0.key)" }.sorted().joined(separator: ", ")
            }
        }
        try await measure("ping flood, \(floodBytes / 1_000_000) MB, never reading", process: "ws-gateway", gateway) {
            let (socket, sent, ending) = try await HostilePeer.pingFlood(port: gatewayPort, bytes: floodBytes)
            let end = await socket.readUntilClosed(timeout: .seconds(60)).outcome
            return "\(sent >> 20) MiB sent, \(ending); then \(end == .timedOut ? "still open after 60 s" : "closed by the server")"
        }
    }

    /// Runs `attack` between a peak reset and a peak read (``ProcessMemory``, as the abuse tests do), and prints
    /// one line.
    private func measure(_ attack: String, process: String, _ memory: ProcessMemory, _ body: () async throws -> String) async throws {
        var outcome = ""
        let growth = try await memory.peakGrowth {
            do {
                outcome = try await body()
            } catch {
                outcome = "failed: \(error)"
            }
        }
        guard growth.peakKiB != nil else {
            print("\(attack): \(process) DIED; \(outcome)")
            return
        }
        print("\(attack): \(process) \(growth); \(outcome)")
    }
}
