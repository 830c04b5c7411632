/// Where and how to reach Redis, parsed from a `redis://` URL.
package struct RedisConfiguration: Sendable, Equatable {
    package var host: String
    package var port: Int
    /// ACL user (Redis 6+); `nil` uses the default user.
    package var username: String?
    /// Secret: never logged.
    package var password: String?
    package var database: Int
    /// hiredis 0.14 has no connect timeout of its own; ``RedisConnection`` arms one.
    package var connectTimeout: Duration
    /// A command without a reply after this long fails with ``RedisError/timeout`` and the connection is recycled.
    package var commandTimeout: Duration
    /// Reconnect delays double from ``reconnectBaseDelay`` up to this cap.
    package var reconnectMaxDelay: Duration
    package var reconnectBaseDelay: Duration
    /// With sentinels, `host` and `port` are not used: every connect asks the sentinels where the primary is.
    package var sentinel: RedisSentinelSet?

    package init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(1),
        commandTimeout: Duration = .seconds(1),
        reconnectBaseDelay: Duration = .milliseconds(50),
        reconnectMaxDelay: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.reconnectBaseDelay = reconnectBaseDelay
        self.reconnectMaxDelay = reconnectMaxDelay
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    ///
    /// Separators are found in the UTF-8 bytes, never in Swift characters: a combining mark right after `:` or
    /// `@` would otherwise merge with it into one character and hide it (a password then read as part of the
    /// host, and logged in the redacted URL).
    package init(url: String) throws(ConfigurationError) {
        self.init()
        guard url.hasPrefix("redis://") else {
            throw ConfigurationError("redis URL must start with redis:// (got a URL with another scheme)")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let at = rest.utf8.lastIndex(of: UInt8(ascii: "@")) {
            let credentials = rest[..<at]
            rest = rest[rest.utf8.index(after: at)...]
            if let colon = credentials.utf8.firstIndex(of: UInt8(ascii: ":")) {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : String(user)
                password = String(credentials[credentials.utf8.index(after: colon)...]).removingPercentEncodingLossy
            } else if !credentials.isEmpty {
                password = String(credentials).removingPercentEncodingLossy
            }
        }
        if let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) {
            let path = rest[rest.utf8.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let database = Int(path), database >= 0 else {
                    throw ConfigurationError("redis URL database must be a number")
                }
                self.database = database
            }
        }
        var hostPart = rest
        if hostPart.utf8.first == UInt8(ascii: "["), let close = hostPart.utf8.firstIndex(of: UInt8(ascii: "]")) {
            host = String(hostPart[hostPart.utf8.index(after: hostPart.startIndex)..<close])
            hostPart = hostPart[hostPart.utf8.index(after: close)...]
            if !hostPart.isEmpty {
                guard hostPart.utf8.first == UInt8(ascii: ":"), let port = Int(hostPart.dropFirst()), (1...65535).contains(port) else {
                    throw ConfigurationError("redis URL port is not valid")
                }
                self.port = port
            }
        } else if let colon = hostPart.utf8.lastIndex(of: UInt8(ascii: ":")) {
            guard let port = Int(hostPart[hostPart.utf8.index(after: colon)...]), (1...65535).contains(port) else {
                throw ConfigurationError("redis URL port is not valid")
            }
            self.port = port
            host = String(hostPart[..<colon])
        } else {
            host = String(hostPart)
        }
        guard !host.utf8.contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") || $0 <= 0x20 }) else {
            throw ConfigurationError("redis URL host is not valid")
        }
        if host.isEmpty { host = "127.0.0.1" }
    }

    /// Where Redis is, safe to log: the sentinels and master name, or the URL without credentials.
    package var logDescription: String {
        guard let sentinel else { return redactedURL }
        return "sentinels \(sentinel.sentinels.map(\.description).joined(separator: ",")) master \(sentinel.masterName) db \(database)"
    }

    /// The URL without credentials, safe to log.
    package var redactedURL: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let auth = password == nil ? "" : "\(username ?? ""):***@"
        return "redis://\(auth)\(hostPart):\(port)/\(database)"
    }
}

extension String {
    /// Decodes `%XX` escapes; malformed escapes are kept as they are.
    fileprivate var removingPercentEncodingLossy: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = Array(utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
