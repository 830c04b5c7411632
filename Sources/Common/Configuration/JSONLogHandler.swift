import Foundation
package import Logging

/// Writes one JSON object per line to standard error: `time`, `level`, `label`, `message`, then the metadata.
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .info
    private let label: String

    package init(label: String) {
        self.label = label
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line: [UInt8] = []
        line.append(UInt8(ascii: "{"))
        appendField("time", Date.now.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)), to: &line, first: true)
        appendField("level", event.level.rawValue, to: &line)
        appendField("label", label, to: &line)
        appendField("message", event.message.description, to: &line)
        appendField("source", event.source, to: &line)
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            appendField(key, merged[key]!.description, to: &line)
        }
        line.append(contentsOf: Array("}\n".utf8))
        FileHandle.standardError.write(Data(line))
    }

    private func appendField(_ key: String, _ value: String, to line: inout [UInt8], first: Bool = false) {
        if !first { line.append(UInt8(ascii: ",")) }
        JSONString.append(key, to: &line)
        line.append(UInt8(ascii: ":"))
        JSONString.append(value, to: &line)
    }
}
