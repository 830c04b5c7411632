/// A Redis or Sentinel address: a host name or numeric address, and a port.
package struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port` or `host` (port 26379, Sentinel's own).
    package init(parsing text: Substring, defaultPort: Int = 26379) throws(ConfigurationError) {
        var text = text
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        var host = text
        var port = defaultPort
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()) else {
                    throw ConfigurationError("sentinel address \(text) has no valid port")
                }
                port = value
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            guard let value = Int(text[text.index(after: colon)...]) else { throw ConfigurationError("sentinel address \(text) has no valid port") }
            port = value
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "[" || $0 == "]" || $0 == "/" }) else {
            throw ConfigurationError("sentinel address \(text) has no valid host")
        }
        guard (1...65535).contains(port) else { throw ConfigurationError("sentinel address \(text) has no valid port") }
        self.init(host: String(host), port: port)
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
