import ArgumentParser
import Common
import TestSupport
import Testing

@testable import ws_gateway

@Suite("ws-gateway: one table of options")
struct GatewayOptionTableTests {
    private static let check = OptionDocumentCheck(
        process: "ws-gateway",
        table: GatewayOptions.table,
        kubernetesManifest: "deploy/kubernetes/ws-gateway.yaml",
        // The shared variables and the rest are hook-ingest's to check; ws-gateway's own all start with GATEWAY_.
        ownsName: { $0.hasPrefix("GATEWAY_") }
    )

    @Test("the README, the env example, the Kubernetes manifest and the deploy guide agree with the table")
    func documentsAgree() throws {
        let problems = try Self.check.disagreements()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("--help shows each option of the table with its environment variable and default, and no option outside it")
    func help() {
        let problems = Self.check.helpDisagreements(WSGateway.helpMessage(columns: 100_000))
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("switches are on with the flag or NAME=1, and values from the environment are checked like flags")
    func environment() throws {
        func configuration(_ arguments: [String], _ environment: [String: String] = [:]) throws -> GatewayConfiguration {
            try GatewayConfiguration(
                options: try GatewayOptions.parse(arguments),
                access: try AccessOptions.parse([]),
                environment: EnvironmentValues(environment)
            )
        }
        #expect(try configuration([]).compression == false)
        #expect(try configuration(["--compression"]).compression)
        #expect(try configuration([], ["GATEWAY_COMPRESSION": "yes"]).compression)
        #expect(try configuration([], ["GATEWAY_BATCH_WINDOW": "0"]).batchWindow == .zero)
        #expect(try configuration(["--redis-timeout", "3s"], ["REDIS_TIMEOUT": "1s"]).redis.commandTimeout == .seconds(3))
        #expect(try configuration([]).redis.commandTimeout == .seconds(2), "ws-gateway's own default")
        let error = #expect(throws: ConfigurationError.self) { try configuration([], ["GATEWAY_MAX_QUEUE_BYTES": "10"]) }
        #expect(error?.description == "--max-queue-bytes must be at least 16384")
    }
}
