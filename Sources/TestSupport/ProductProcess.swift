import Foundation
import NIOHTTP1
import NetClients

/// One of the package's executables running as a real process on a free port, for end-to-end tests.
package final class ProductProcess: Sendable {
    package let name: String
    package let port: Int
    package let process: ManagedProcess

    private init(name: String, port: Int, process: ManagedProcess) {
        self.name = name
        self.port = port
        self.process = process
    }

    /// Starts `executable --port <free> arguments…` and waits until `readinessPath` answers 200.
    package static func start(
        _ executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        readinessPath: String = "/readyz",
        port: Int? = nil,
        workingDirectory: String? = nil
    ) async throws -> ProductProcess {
        let path = TestPaths.executable(executable)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(path) is missing: build the package first (swift build)")
        }
        // Another test may take a chosen port before the process binds it: try a few.
        for attempt in 1...5 {
            let port = port ?? freePort()
            let process = try ManagedProcess(
                name: "\(executable)-\(port)",
                executable: path,
                arguments: ["--host", "127.0.0.1", "--port", String(port)] + arguments,
                environment: environment,
                workingDirectory: workingDirectory
            )
            do {
                try await waitUntil("\(executable) on port \(port) to answer \(readinessPath) (log: \(process.logFile.path))") {
                    guard process.isRunning else { throw TestSupportError("\(executable) exited:\n\(process.log)") }
                    guard (try? await httpRequest(.GET, port: port, readinessPath).status) == 200 else { return false }
                    // Another test's server may hold the port this one failed to bind: only our own listener counts.
                    return listens(pid: process.processIdentifier, port: port)
                }
                return ProductProcess(name: executable, port: port, process: process)
            } catch let error as TestSupportError where attempt < 5 && error.description.contains("Address already in use") {
                continue
            }
        }
        throw TestSupportError("\(executable) could not bind a port")
    }

    /// SIGTERM, then the exit status.
    @discardableResult
    package func terminate() async -> Int32 {
        await process.terminate()
    }

    package func kill() async {
        await process.kill()
    }

    package var log: String { process.log }
}

/// Whether process `pid` holds the socket listening on TCP `port` (from `/proc/net/tcp{,6}` and `/proc/<pid>/fd`).
package func listens(pid: Int32, port: Int) -> Bool {
    let hexPort = String(format: ":%04X", port)
    var inodes: Set<String> = []
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = readWhole(table) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // local_address is field 1, state field 3 (0A = LISTEN), inode field 9.
            guard fields.count > 9, fields[1].hasSuffix(hexPort), fields[3] == "0A" else { continue }
            inodes.insert(String(fields[9]))
        }
    }
    guard !inodes.isEmpty, let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return false }
    for descriptor in descriptors {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)") else { continue }
        if target.hasPrefix("socket:["), inodes.contains(String(target.dropFirst(8).dropLast())) { return true }
    }
    return false
}

/// Reads a file to its end. `/proc` files report a size of 0 and are produced a page at a time: Foundation's
/// `String(contentsOfFile:)` returns only the first page of them (27 of 302 lines of `/proc/net/tcp`, seen here).
package func readWhole(_ path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    guard let data = try? handle.readToEnd() else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// Runs a command to completion and returns its exit status and output (stdout and stderr together).
package func runCommand(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String] = [:]
) async throws -> (status: Int32, output: String) {
    let process = try ManagedProcess(
        name: URL(fileURLWithPath: executable).lastPathComponent,
        executable: executable,
        arguments: arguments,
        environment: environment
    )
    let status = await process.waitForExit()
    return (status, process.log)
}

/// The absolute path of a program on PATH, or `nil`.
package func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
        let candidate = "\(directory)/\(program)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

extension ProductProcess {
    /// hook-ingest with one webhook registration from the environment (`MANDRILL_WEBHOOK_URL` and its keys), as the
    /// end-to-end tests run it; `environment` adds variables (and wins over these two).
    package static func startIngest(
        signedURL: String,
        keys: String,
        arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> ProductProcess {
        try await start(
            "hook-ingest",
            arguments: arguments,
            environment: ["MANDRILL_WEBHOOK_URL": signedURL, "MANDRILL_WEBHOOK_KEYS": keys].merging(environment) { $1 }
        )
    }
}
