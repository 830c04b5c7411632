package import Logging
import Synchronization

/// Collects log lines in memory, for tests that check what the product logs (and what it never logs).
package final class LogCollector: Sendable {
    private let lines = Mutex<[String]>([])

    package init() {}

    /// A logger writing here, at `level`. No global bootstrap: other tests are not affected.
    package func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(collector: self) }
        logger.logLevel = level
        return logger
    }

    /// Every line so far: level, message and metadata.
    package var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let collector: LogCollector
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            collector.append("\(event.level) \(event.message) \(fields)")
        }
    }
}
