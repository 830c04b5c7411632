import CSpawn
package import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests: a real redis-server, hook-ingest or ws-gateway, with its output kept in a log file
/// under `test-output/` so that a failing run can be read afterwards.
///
/// Spawned with `posix_spawn` and a cleared signal mask: the test runner's threads block signals, and a child
/// started with Foundation's `Process` inherits that mask, so SIGTERM would never reach it. The child gets none of
/// the test process's descriptors but its standard ones: SwiftNIO's sockets are not close-on-exec, and a child that
/// kept one (an in-process gateway's client connection, say) would hold that connection open after the gateway
/// closed it, until the child exits.
package final class ManagedProcess: @unchecked Sendable {
    package let name: String
    package let logFile: URL
    package let processIdentifier: Int32
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// `workingDirectory`: where the process starts (default: the test runner's, the package root under `swift test`).
    package init(
        name: String,
        executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws {
        self.name = name
        let directory = TestPaths.outputDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logFile = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
        let logDescriptor = open(logFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard logDescriptor >= 0 else { throw TestSupportError("cannot create \(logFile.path)") }
        defer { close(logDescriptor) }

        var merged = ProcessInfo.processInfo.environment
        // Tests choose their own configuration; inherited settings must not leak in.
        let ours = ["INGEST_", "GATEWAY_", "MANDRILL_", "REDIS_", "SWAGGER_UI_"]
        for key in merged.keys where ours.contains(where: key.hasPrefix) {
            merged[key] = nil
        }
        for (key, value) in environment { merged[key] = value }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, logDescriptor, 2)
        // Nothing else: SwiftNIO's sockets are not close-on-exec (see above).
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // Another working directory through coreutils' `env -C`, which then execs the program in the same process
        // (Glibc's posix_spawn_file_actions_addchdir_np is not visible to Swift).
        let program = workingDirectory == nil ? executable : "/usr/bin/env"
        let commandLine = workingDirectory.map { ["/usr/bin/env", "-C", $0, executable] + arguments } ?? [executable] + arguments
        let argv = commandLine.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestSupportError("cannot start \(executable): \(String(cString: strerror(result)))") }
        processIdentifier = pid
    }

    package var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        let result = waitpid(processIdentifier, &status, WNOHANG)
        if result == processIdentifier {
            // Exit code, or 128 + signal number as shells report it.
            exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            return false
        }
        return result == 0
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status.
    @discardableResult
    package func terminate() async -> Int32 {
        signal(SIGTERM)
        return await waitForExit()
    }

    /// SIGKILL: no chance to clean up, as in a crash.
    package func kill() async {
        signal(SIGKILL)
        _ = await waitForExit()
    }

    package func signal(_ number: Int32) {
        if isRunning { _ = Glibc.kill(processIdentifier, number) }
    }

    package func waitForExit() async -> Int32 {
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return lock.withLock { exitStatus ?? -1 }
    }

    package var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    deinit {
        if isRunning {
            _ = Glibc.kill(processIdentifier, SIGKILL)
            var status: Int32 = 0
            waitpid(processIdentifier, &status, 0)
        }
    }
}

/// Where the test binaries and outputs are.
package enum TestPaths {
    /// The folder holding the package's executables: `MANDRILL_BIN_DIR`, or the folder of the running test bundle.
    package static var binaries: URL {
        if let directory = ProcessInfo.processInfo.environment["MANDRILL_BIN_DIR"] {
            return URL(fileURLWithPath: directory)
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("hook-ingest").path) { return url }
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }

    package static func executable(_ name: String) -> String {
        binaries.appendingPathComponent(name).path
    }

    /// `test-output/` in the package root (ignored by git); CI keeps it as an artifact.
    package static var outputDirectory: URL {
        if let directory = ProcessInfo.processInfo.environment["TEST_OUTPUT_DIR"] {
            return URL(fileURLWithPath: directory)
        }
        return packageRoot.appendingPathComponent("test-output")
    }

    package static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }
}
