package import Common
package import Foundation
import Logging

/// A real `redis-server` on a free loopback port, for one test. Fails loudly when it cannot start: integration
/// tests never skip silently.
package final class RedisServer: @unchecked Sendable {
    package private(set) var port: Int
    package let directory: URL
    private var process: ManagedProcess?
    private let extraArguments: [String]

    package var url: String { "redis://127.0.0.1:\(port)" }

    package init(arguments: [String] = []) async throws {
        port = freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        extraArguments = arguments
        // Another test may take the port between choosing and binding it: try a few.
        for attempt in 1...5 {
            do {
                try await start()
                return
            } catch let error as TestSupportError where attempt < 5 && error.description.contains("Address already in use") {
                port = freePort()
            }
        }
    }

    /// Starts (or restarts, on the same port) the server and waits until it answers PING (after loading its data).
    package func start() async throws {
        let executable = ProcessInfo.processInfo.environment["REDIS_SERVER"] ?? Self.find("redis-server")
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportError("redis-server not found (install redis-server, or set REDIS_SERVER)")
        }
        let process = try ManagedProcess(
            name: "redis-\(port)",
            executable: executable,
            arguments: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path] + extraArguments
        )
        self.process = process
        try await waitUntil("redis-server on port \(port) to accept connections (log: \(process.logFile.path))", timeout: .seconds(20)) {
            guard process.isRunning else { throw TestSupportError("redis-server exited: \(process.log)") }
            return redisAnswersPing(port: port)
        }
    }

    /// Stops the server like a crash (SIGKILL): nothing is flushed.
    package func kill() async {
        await process?.kill()
        process = nil
    }

    package func stop() async {
        await process?.terminate()
        process = nil
    }

    /// A client for checking what the product wrote.
    package func client() -> RedisClient {
        redisClient(port: port)
    }

    deinit {
        // Releasing the process kills it (ManagedProcess sends SIGKILL in its deinit).
        process = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private static func find(_ name: String) -> String {
        for directory in ["/usr/bin", "/usr/local/bin", "/usr/sbin", "/bin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return name
    }
}

/// A started client for a Redis (or Sentinel) on a loopback port.
package func redisClient(port: Int, password: String? = nil) -> RedisClient {
    let client = RedisClient(configuration: RedisConfiguration(port: port, password: password), logger: Logger(label: "test-redis"))
    client.start()
    return client
}
