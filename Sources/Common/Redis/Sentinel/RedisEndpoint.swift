/// A Redis or Sentinel address: a host name or numeric address, and a port.
package struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port` or `host` (port 26379, Sentinel's own). Separators are found in the UTF-8
    /// bytes, never in Swift characters: a prepended mark before `:` would merge with it into one character.
    package init(parsing text: Substring, defaultPort: Int = 26379) throws(ConfigurationError) {
        var bytes = Array(text.utf8)[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        var host = bytes
        var portBytes: ArraySlice<UInt8>?
        if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) {
            host = bytes[(bytes.startIndex + 1)..<close]
            let rest = bytes[(close + 1)...]
            if !rest.isEmpty {
                guard rest.first == UInt8(ascii: ":") else { throw ConfigurationError("sentinel address \(text) has no valid port") }
                portBytes = rest.dropFirst()
            }
        } else if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            host = bytes[..<colon]
            portBytes = bytes[(colon + 1)...]
        }
        var port = defaultPort
        if let portBytes {
            guard let value = Int(String(decoding: portBytes, as: UTF8.self)) else {
                throw ConfigurationError("sentinel address \(text) has no valid port")
            }
            port = value
        }
        let forbidden: Set<UInt8> = [UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "/"), UInt8(ascii: ",")]
        guard !host.isEmpty, !host.contains(where: { $0 <= 0x20 || $0 == 0x7F || forbidden.contains($0) }),
            let hostText = String(validating: host, as: UTF8.self),
            // Beyond ASCII too: U+0085 and U+00A0, say, are blanks no resolver takes.
            !hostText.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else {
            throw ConfigurationError("sentinel address \(text) has no valid host")
        }
        guard (1...65535).contains(port) else { throw ConfigurationError("sentinel address \(text) has no valid port") }
        self.init(host: hostText, port: port)
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
