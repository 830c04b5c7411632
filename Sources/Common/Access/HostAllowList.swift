/// The `Host` names the paths that serve events or the dashboard answer to. A page on another name that resolves
/// to this machine (DNS rebinding) is answered 421 before it can read anything.
package struct HostAllowList: Sendable, Equatable {
    private struct Entry: Sendable, Equatable {
        let host: String
        /// `nil`: any port.
        let port: String?
    }

    private let entries: [Entry]?

    /// `configured` is `--allowed-hosts`; when absent, a process on loopback answers only to the loopback names
    /// (any port), and one on any other address to any name (a token is required there anyway).
    package init(configured: [String]?, listenHost: String) {
        if let configured {
            entries = configured.contains("*") ? nil : configured.compactMap(Self.split).map { Entry(host: $0.host, port: $0.port) }
        } else if Self.isLoopback(listenHost) {
            entries = ["localhost", "127.0.0.1", "[::1]"].map { Entry(host: $0, port: nil) }
        } else {
            entries = nil
        }
    }

    package var allowsAnyHost: Bool { entries == nil }

    package func allows(_ hostHeader: String?) -> Bool {
        guard let entries else { return true }
        guard let hostHeader, let (host, port) = Self.split(hostHeader) else { return false }
        return entries.contains { $0.host == host && ($0.port == nil || $0.port == port) }
    }

    /// `127.0.0.0/8`, `::1` and `localhost`: only this machine can connect.
    package static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// `name[:port]` or `[v6]:port`, lower-cased, without a trailing dot; `nil` when it is not a host at all.
    static func split(_ text: String) -> (host: String, port: String?)? {
        let text = text.lowercased()
        var host: Substring
        var port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[...close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                port = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            host = text[...]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, port.map({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) ?? true else { return nil }
        return (String(host), port.map(String.init))
    }
}
