import ArgumentParser
import Common
import TestSupport
import Testing

@testable import hook_ingest

@Suite("hook-ingest: one table of options")
struct IngestOptionTableTests {
    private static let check = OptionDocumentCheck(
        process: "hook-ingest",
        table: IngestOptions.table,
        kubernetesManifest: "deploy/kubernetes/hook-ingest.yaml",
        // ws-gateway's own variables all start with GATEWAY_ (GATEWAY_TOKENS is a shared legacy name, in both tables).
        ownsName: { !$0.hasPrefix("GATEWAY_") || $0 == "GATEWAY_TOKENS" }
    )

    @Test("the README, the env example, the Kubernetes manifest and the deploy guide agree with the table")
    func documentsAgree() throws {
        let problems = try Self.check.disagreements()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("a default changed in the table alone is caught in the README and the env example")
    func driftIsCaught() throws {
        let drifted = IngestOptions.table.map { option in
            guard option.environmentName == "INGEST_MAX_BODY_BYTES" else { return option }
            return OptionSummary(
                flag: option.flag,
                environmentNames: option.environmentNames,
                defaultDescription: "1048576",
                defaultText: "1048576",
                isSecret: option.isSecret,
                isSwitch: option.isSwitch,
                abstract: option.abstract
            )
        }
        let check = OptionDocumentCheck(
            process: Self.check.process,
            table: drifted,
            kubernetesManifest: Self.check.kubernetesManifest,
            ownsName: Self.check.ownsName
        )
        let problems = try check.disagreements()
        #expect(problems.contains { $0.hasPrefix("README: INGEST_MAX_BODY_BYTES defaults to \"33554432 (32 MiB)\"") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("env example: #INGEST_MAX_BODY_BYTES=33554432") }, "\(problems)")
        #expect(problems.count == 2, "\(problems)")
    }

    @Test("--help shows each option of the table with its environment variable and default, and no option outside it")
    func help() {
        let problems = Self.check.helpDisagreements(HookIngest.helpMessage(columns: 100_000))
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("the command line wins over the environment, which wins over the default; values are checked wherever they come from")
    func precedence() throws {
        func configuration(_ arguments: [String], _ environment: [String: String] = [:]) throws -> IngestConfiguration {
            try IngestConfiguration(
                options: try IngestOptions.parse(arguments),
                access: try AccessOptions.parse([]),
                environment: EnvironmentValues(environment),
                swaggerUICandidates: []
            )
        }
        #expect(try configuration([]).webhook.maxBodyBytes == 32 << 20)
        #expect(try configuration([], ["INGEST_MAX_BODY_BYTES": "2048"]).webhook.maxBodyBytes == 2048)
        #expect(try configuration(["--max-body-bytes", "4096"], ["INGEST_MAX_BODY_BYTES": "2048"]).webhook.maxBodyBytes == 4096)
        #expect(try configuration([], ["INGEST_MAX_BODY_BYTES": ""]).webhook.maxBodyBytes == 32 << 20, "empty is unset")
        #expect(try configuration([], ["DEDUP_TTL": "2h"]).dedupTTL == .seconds(7200))
        #expect(try configuration([], ["REDIS_TIMEOUT": "250ms"]).redis.commandTimeout == .milliseconds(250))
        let fromEnvironment = #expect(throws: ConfigurationError.self) { try configuration([], ["INGEST_MAX_BODY_BYTES": "12"]) }
        #expect(fromEnvironment?.description == "--max-body-bytes must be from 1024 to 1073741824")
        let notANumber = #expect(throws: ConfigurationError.self) { try configuration([], ["INGEST_PORT": "http"]) }
        #expect(notANumber?.description == "INGEST_PORT must be a whole number")
        let notADuration = #expect(throws: ConfigurationError.self) { try configuration([], ["INGEST_BODY_TIMEOUT": "soon"]) }
        #expect(notADuration?.description == "INGEST_BODY_TIMEOUT must be a duration such as 500ms, 30s, 7d")
        #expect(throws: (any Error).self) { try IngestOptions.parse(["--body-timeout", "soon"]) }
    }
}
