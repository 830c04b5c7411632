import Foundation

/// Which web pages may open a stream: a browser sends `Origin`, and it must match an allowed origin in scheme,
/// host and port (`http://a:80` and `http://a` are the same origin). Programs send no `Origin` and are not checked.
package struct OriginPolicy: Sendable {
    struct Origin: Sendable, Equatable {
        let scheme: String
        let host: String
        let port: String
    }

    /// `nil`: the service's own origin, from the request's `Host` (already checked against the allowed hosts) and
    /// `X-Forwarded-Proto` for a TLS proxy in front. `[]` after `*`: any origin.
    private let allowed: [Origin]?
    private let allowsAny: Bool

    /// `configured` is `--allowed-origins` (`scheme://host[:port]`, or `*`).
    package init(configured: [String]?) throws(ConfigurationError) {
        allowsAny = configured?.contains("*") ?? false
        allowed = try configured?.filter { $0 != "*" }.map { text throws(ConfigurationError) in
            guard let origin = Self.parse(text) else { throw ConfigurationError("--allowed-origins: \(text) is not scheme://host[:port]") }
            return origin
        }
    }

    package func allows(origin text: String, host: String?, forwardedProto: String?) -> Bool {
        if allowsAny { return true }
        guard let origin = Self.parse(text) else { return false }
        if let allowed { return allowed.contains(origin) }
        let scheme = forwardedProto?.split(separator: ",").first.map { String($0).trimmingSpaces.lowercased() } == "https" ? "https" : "http"
        guard let host, let own = Self.parse("\(scheme)://\(host)") else { return false }
        return origin == own
    }

    static func parse(_ text: String) -> Origin? {
        var text = text.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        guard let separator = text.range(of: "://") else { return nil }
        let scheme = String(text[..<separator.lowerBound])
        let defaultPort: String
        switch scheme {
        case "http": defaultPort = "80"
        case "https": defaultPort = "443"
        default: return nil
        }
        let authority = String(text[separator.upperBound...])
        guard !authority.contains("/"), !authority.contains("@"), let (host, port) = HostAllowList.split(authority) else { return nil }
        return Origin(scheme: scheme, host: host, port: port ?? defaultPort)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
