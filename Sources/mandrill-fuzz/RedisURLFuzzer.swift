import Common

/// `REDIS_URL` comes from configuration, not from clients, but it carries a password that must never reach a log
/// line, and a wrong parse sends the services to the wrong server. Parsed values must be usable, and the redacted
/// form must hide the password and name the same server.
enum RedisURLFuzzer {
    static func run(_ input: [UInt8]) {
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
            if !password.isEmpty, !other.redactedURL.contains(password) {
                invariant(!redacted.contains(password), "redactedURL \(redacted.debugDescription) shows the password")
            }
        }

        // The redacted URL names the same server. Hosts with brackets are left out: `[` only opens an IPv6 literal,
        // and a host such as `a]:b` has no unambiguous URL form.
        guard !configuration.host.contains("["), !configuration.host.contains("]") else { return }
        let reparsed = try? RedisConfiguration(url: redacted)
        invariant(
            reparsed?.host == configuration.host && reparsed?.port == configuration.port && reparsed?.database == configuration.database
                && reparsed?.username == configuration.username,
            "redactedURL \(redacted.debugDescription) does not name the same server"
        )
    }
}
