package import Common
import Foundation
import Logging

/// Real `redis-sentinel` processes on free loopback ports, watching one primary as `mymaster`, for failover tests.
/// Fast settings: a primary is down after 1 s without an answer, and two sentinels must agree. With a `password`
/// every sentinel requires it (`requirepass`) and uses it with the others (`sentinel sentinel-pass`).
package final class RedisSentinels: @unchecked Sendable {
    package static let masterName = "mymaster"
    package let ports: [Int]
    private let processes: [ManagedProcess]
    private let directory: URL
    package let password: String?
    /// One client per sentinel for the whole test: a client per question would start and join a loop thread each
    /// time, and joining blocks a thread of the test runner's small cooperative pool.
    private let clients: [RedisClient]

    /// `--redis-sentinels` for the product.
    package var addresses: String { ports.map { "127.0.0.1:\($0)" }.joined(separator: ",") }

    package init(count: Int = 3, primaryPort: Int, password: String? = nil) async throws {
        self.password = password
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sentinels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let executable = ["/usr/bin/redis-sentinel", "/usr/local/bin/redis-sentinel"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let executable else { throw TestSupportError("redis-sentinel not found (install the redis-sentinel package)") }
        var ports: [Int] = []
        var processes: [ManagedProcess] = []
        for index in 0..<count {
            let port = freePort()
            let file = directory.appendingPathComponent("sentinel-\(index).conf")
            // Sentinel rewrites its file as it learns the set-up: each needs a writable one of its own.
            // down-after 3 s, not 1: with 1 s, a newly promoted primary that stalled for a second on this loaded
            // two-core machine was failed over again, to the old primary just restarted empty (Sentinel's known way
            // to lose data), and the test waited for a replication that could never come.
            let configuration = """
                port \(port)
                bind 127.0.0.1
                dir \(directory.path)
                sentinel monitor \(Self.masterName) 127.0.0.1 \(primaryPort) 2
                sentinel down-after-milliseconds \(Self.masterName) 3000
                sentinel failover-timeout \(Self.masterName) 4000
                sentinel parallel-syncs \(Self.masterName) 1

                """ + (password.map { "requirepass \($0)\nsentinel sentinel-pass \($0)\n" } ?? "")
            try configuration.write(to: file, atomically: true, encoding: .utf8)
            processes.append(try ManagedProcess(name: "sentinel-\(port)", executable: executable, arguments: [file.path]))
            ports.append(port)
        }
        self.ports = ports
        self.processes = processes
        self.clients = ports.map { redisClient(port: $0, password: password) }
        for (port, process) in zip(ports, processes) {
            try await waitUntil("redis-sentinel on port \(port) (log: \(process.logFile.path))", timeout: .seconds(20)) {
                guard process.isRunning else { throw TestSupportError("redis-sentinel exited: \(process.log)") }
                return redisAnswersPing(port: port)
            }
        }
    }

    /// The primary's port as the first sentinel that answers names it.
    package func primaryPort() async -> Int? {
        for client in clients {
            if let reply = try? await client.send("SENTINEL", "get-master-addr-by-name", Self.masterName),
                let portText = reply.array?.last?.string, let value = Int(portText)
            {
                return value
            }
        }
        return nil
    }

    /// Sends a command to one sentinel (for `SENTINEL FAILOVER`).
    package func send(_ arguments: String...) async throws -> RedisValue {
        try await clients[0].connection.send(RedisCommand(arguments: arguments))
    }

    deinit {
        // Releasing the processes kills them (see ManagedProcess).
        try? FileManager.default.removeItem(at: directory)
    }
}
