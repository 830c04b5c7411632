import Common

/// `REDIS_URL` comes from configuration, not from clients, but it carries a password that must never reach a log
/// line, and a wrong parse sends the services to the wrong server. Parsed values must be usable, and the redacted
/// form must hide the password and name the same server.
enum RedisURLFuzzer {
    static func run(_ input: [UInt8]) {
        checkSentinelInputs(input)
        let url = String(decoding: input, as: UTF8.self)
        // API: RedisConfiguration(url:) and redactedURL.
        guard let configuration = try? RedisConfiguration(url: url) else { return }
        let redacted = configuration.redactedURL

        invariant((1...65535).contains(configuration.port), "port \(configuration.port)")
        invariant(configuration.database >= 0, "database \(configuration.database)")
        invariant(!configuration.host.isEmpty, "empty host")
        invariant(configuration.username.map { !$0.isEmpty } ?? true, "empty username instead of nil")

        // The redacted URL must not depend on the password at all; that also covers passwords that look like a
        // host or a port. The plain substring check is the one a reader of a log would make.
        if let password = configuration.password {
            var other = configuration
            other.password = password == "x" ? "y" : "x"
            invariant(other.redactedURL == redacted, "redactedURL \(redacted.debugDescription) depends on the password")
            if !password.isEmpty, !mentions(other.redactedURL, password) {
                invariant(!mentions(redacted, password), "redactedURL \(redacted.debugDescription) shows the password")
            }
        }

        // The redacted URL names the same server (this found the parser splitting on Characters, where U+0605
        // before `:` or `@` hid the delimiter and leaked the password, and hosts with brackets).
        let reparsed = try? RedisConfiguration(url: redacted)
        invariant(
            reparsed?.host == configuration.host && reparsed?.port == configuration.port && reparsed?.database == configuration.database
                && reparsed?.username == configuration.username,
            "redactedURL \(redacted.debugDescription) does not name the same server"
        )
    }

    /// The same bytes as a `--redis-sentinels` entry and as a `+switch-master` announcement: what parses must name a
    /// usable server, and an endpoint's description must parse back to it (it is what logs and `/readyz` show).
    private static func checkSentinelInputs(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        for entry in text.split(separator: ",") {
            guard let endpoint = try? RedisEndpoint(parsing: entry) else { continue }
            invariant((1...65535).contains(endpoint.port), "sentinel port \(endpoint.port)")
            invariant(!endpoint.host.isEmpty && !endpoint.host.contains(where: \.isWhitespace), "sentinel host \(endpoint.host.debugDescription)")
            let reparsed = try? RedisEndpoint(parsing: Substring(endpoint.description))
            invariant(reparsed == endpoint, "\(endpoint.description.debugDescription) does not parse back to the same sentinel")
        }
        let announced = input.withUnsafeBytes { SentinelWatcher.newPrimary(in: $0, masterName: "mymaster") }
        if let announced {
            invariant((1...65535).contains(announced.port), "announced port \(announced.port)")
            invariant(
                !announced.host.isEmpty && !announced.host.utf8.contains(UInt8(ascii: " ")),
                "announced host \(announced.host.debugDescription)"
            )
            // As bytes: a combining mark after the space makes `text.hasPrefix("mymaster ")` false for the right name.
            invariant(input.starts(with: Array("mymaster ".utf8)), "an announcement for another master name was taken")
        }
    }

    /// Whether `text` holds the bytes of `part`. Compared as UTF-8 bytes, which is what a log line holds, and
    /// because Foundation's `contains` traps on some needles that end in U+0000 (`"é0".contains("0\u{0}")`,
    /// swift-corelibs-foundation in Swift 6.3.1; found by this target).
    private static func mentions(_ text: String, _ part: String) -> Bool {
        let haystack = Array(text.utf8)
        let needle = Array(part.utf8)
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
