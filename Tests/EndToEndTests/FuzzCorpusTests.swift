import Foundation
import TestSupport
import Testing

/// Every input in the checked-in fuzz corpus (the real captures, the hostile cases, and whatever a fuzzing run once
/// found worth keeping) replayed through a plain build of the fuzz targets: an input that ever crashed a parser
/// stays a regression test without needing the instrumented build.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    @Test("every corpus input passes its fuzz target's checks", arguments: ["form", "json", "envelope", "query", "redis-url", "token"])
    func replay(target: String) async throws {
        let corpus = TestPaths.packageRoot.appendingPathComponent("Fuzz/corpus/\(target)").path
        let (status, output) = try await runCommand(TestPaths.executable("mandrill-fuzz"), [target, corpus])
        #expect(status == 0, "\(output)")
        #expect(output.contains("without a failure"), "\(output)")
    }
}
