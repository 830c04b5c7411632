package import Foundation

/// Reader tokens minted by an independent JOSE library (Python's joserfc, through `Tests/Tools/jose-tokens.py`),
/// plus the hostile ones no library signs (`alg: none`, an HS256 token keyed with the RSA public key, truncated,
/// oversized), so that what the services accept is checked against tokens they did not make themselves.
package struct JoseTokens: Sendable {
    /// Holds `jwks.json` (public RS256 key `rsa-1`, ES256 key `ec-1`), their private parts and the RSA public PEM.
    package let directory: URL

    package var jwksFile: String { directory.appendingPathComponent("jwks.json").path }

    /// Generates a fresh key pair of each kind in a new temporary directory.
    package init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("jose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = try await Self.run(["keys", directory.path])
    }

    /// One token per spec, in order. A spec is the JSON object `jose-tokens.py` documents: `alg`, `secret`, `kid`,
    /// `claims`, `exp_in` (seconds from now), `truncate`, `pad_to`.
    package func mint(_ specs: [[String: Any]]) async throws -> [String] {
        let file = directory.appendingPathComponent("specs-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: specs).write(to: file)
        let output = try await Self.run(["mint", directory.path, file.path])
        guard let line = output.split(separator: "\n").last, let tokens = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String] else {
            throw TestSupportError("jose-tokens.py printed no token list:\n\(output)")
        }
        return tokens
    }

    package func mint(_ spec: [String: Any]) async throws -> String {
        try await mint([spec])[0]
    }

    private static func run(_ arguments: [String]) async throws -> String {
        guard let python = which("python3") else { throw TestSupportError("python3 is not on PATH") }
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Tools/jose-tokens.py").path
        let (status, output) = try await runCommand(python, [script] + arguments)
        guard status == 0 else {
            throw TestSupportError("jose-tokens.py \(arguments[0]) failed (needs joserfc: `make test` installs it into .build-venv):\n\(output)")
        }
        return output
    }
}
