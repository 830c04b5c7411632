import ArgumentParser
import Common
import TestSupport
import Testing

@testable import ws_gateway

@Suite("ws-gateway: one table of options")
struct GatewayOptionTableTests {
    @Test("the README, the env example, the Kubernetes manifest and the deploy guide agree with the table")
    func documentsAgree() throws {
        let check = OptionDocumentCheck(
            process: "ws-gateway",
            table: GatewayOptions.table,
            kubernetesManifest: "deploy/kubernetes/ws-gateway.yaml",
            // The shared variables and the rest are hook-ingest's to check; ws-gateway's own all start with GATEWAY_.
            ownsName: { $0.hasPrefix("GATEWAY_") }
        )
        let problems = try check.disagreements()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("--help shows each option of the table with its environment variable and default, and no option outside it")
    func help() {
        let help = WSGateway.helpMessage(columns: 100_000).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for option in GatewayOptions.table {
            if let flag = option.flag {
                #expect(help.contains("--\(flag) "), "\(flag)")
                #expect(help.contains("(\(option.sourcesAndDefault))."), "\(option.environmentName)")
            } else {
                #expect(help.contains("\(option.environmentName): \(option.abstract)"), "\(option.environmentName)")
            }
        }
        let flags = Set(
            help.split(separator: " ").filter { $0.hasPrefix("--") }.map {
                String($0.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" })
            }
        )
        let documented = Set(GatewayOptions.table.compactMap(\.flag) + ["help"])
        #expect(flags.subtracting(documented).isEmpty, "\(flags.subtracting(documented))")
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
