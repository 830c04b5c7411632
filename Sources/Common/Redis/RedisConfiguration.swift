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
    package init(url: String) throws(ConfigurationError) {
        self.init()
        guard url.hasPrefix("redis://") else {
            throw ConfigurationError("redis URL must start with redis:// (got a URL with another scheme)")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : String(user)
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncodingLossy
            } else if !credentials.isEmpty {
                password = String(credentials).removingPercentEncodingLossy
            }
        }
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let database = Int(path), database >= 0 else {
                    throw ConfigurationError("redis URL database must be a number, got '\(path)'")
                }
                self.database = database
            }
        }
        var hostPart = rest
        if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
            host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            hostPart = hostPart[hostPart.index(after: close)...]
            if hostPart.hasPrefix(":") {
                guard let port = Int(hostPart.dropFirst()), (1...65535).contains(port) else {
                    throw ConfigurationError("redis URL port is not valid")
                }
                self.port = port
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            guard let port = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(port) else {
                throw ConfigurationError("redis URL port is not valid")
            }
            self.port = port
            host = String(hostPart[..<colon])
        } else {
            host = String(hostPart)
        }
        if host.isEmpty { host = "127.0.0.1" }
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
