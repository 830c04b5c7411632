import Common
import Foundation
import NetClients
import Simulation
import TestSupport
import Testing

/// nginx with the checked-in deploy/nginx/mandrill-live.conf in front of real processes (load balancer and SSE tests).
enum NginxFixture {
    /// Renders the checked-in template and starts nginx on a free port.
    static func start(ingests: [ProductProcess], gateways: [ProductProcess]) async throws -> (ManagedProcess, Int) {
        try await start(ingestPorts: ingests.map(\.port), gatewayPorts: gateways.map(\.port))
    }

    /// The same, with upstream ports that need not be listening yet (a gateway started later on its port).
    static func start(ingestPorts: [Int], gatewayPorts: [Int]) async throws -> (ManagedProcess, Int) {
        let nginx = try #require(which("nginx"), "nginx is not installed (apt-get install nginx-light)")
        let port = freePort()
        let prefix = TestPaths.outputDirectory.appendingPathComponent("nginx-\(port)")
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
        var config = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("deploy/nginx/mandrill-live.conf"), encoding: .utf8)
        let replacements = [
            "__LISTEN_PORT__": String(port), "__PREFIX__": prefix.path,
            "__INGEST_1__": "127.0.0.1:\(ingestPorts[0])", "__INGEST_2__": "127.0.0.1:\(ingestPorts[1])",
            "__GATEWAY_1__": "127.0.0.1:\(gatewayPorts[0])", "__GATEWAY_2__": "127.0.0.1:\(gatewayPorts[1])",
        ]
        for (placeholder, value) in replacements { config = config.replacingOccurrences(of: placeholder, with: value) }
        #expect(!config.contains("__"), "every placeholder is filled")
        let file = prefix.appendingPathComponent("nginx.conf")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let process = try ManagedProcess(
            name: "nginx-\(port)",
            executable: nginx,
            arguments: ["-p", prefix.path, "-c", file.path, "-g", "daemon off;"]
        )
        try await waitUntil("nginx on \(port) (log: \(process.logFile.path))") {
            guard process.isRunning else { throw TestSupportError("nginx exited: \(process.log)") }
            return isListening(port: port)
        }
        return (process, port)
    }
}
