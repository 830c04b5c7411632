import InMemoryLogging
import Logging

extension InMemoryLogHandler {
    /// Every entry so far, one line each (level, message, error, metadata), for tests that check what the product
    /// logs and, above all, what it never logs (secrets).
    package var text: String {
        entries.map { entry in
            let fields = entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(entry.level) \(entry.message) \(entry.error.map { "error=\($0) " } ?? "")\(fields)"
        }.joined(separator: "\n")
    }
}
