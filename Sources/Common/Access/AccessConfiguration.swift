/// Who may read events, resolved from ``AccessOptions``, the environment and defaults (in that order).
package struct AccessConfiguration: Sendable {
    /// One HS256 key; `keyID` is matched against a token's `kid`.
    package struct JWTSecret: Sendable, Equatable {
        package let keyID: String?
        package let secret: String

        package init(keyID: String?, secret: String) {
            self.keyID = keyID
            self.secret = secret
        }
    }

    /// RFC 7518 §3.2: an HS256 key must be at least as long as the hash.
    package static let minimumSecretBytes = 32

    /// Secrets: never logged.
    package var tokens: [String] = []
    /// Secrets: never logged.
    package var jwtSecrets: [JWTSecret] = []
    package var jwksFile: String?
    package var jwtAudience: String?
    package var publicRead = false
    /// `nil`: the default for the listening address (see ``HostAllowList``).
    package var allowedHosts: [String]?

    package init() {}

    package init(options: AccessOptions, environment: EnvironmentValues) throws(ConfigurationError) {
        tokens = try AccessOptions.tokens.value(options.tokens, in: environment) ?? []
        if let text = try AccessOptions.jwtSecrets.value(options.jwtSecrets, in: environment) {
            jwtSecrets = try Self.parseSecrets(text)
        }
        jwksFile = try AccessOptions.jwksFile.value(options.jwksFile, in: environment)
        jwtAudience = try AccessOptions.jwtAudience.value(options.jwtAudience, in: environment)
        publicRead = try AccessOptions.publicRead.isOn(options.publicRead, in: environment)
        allowedHosts = try AccessOptions.allowedHosts.value(options.allowedHosts, in: environment)
    }

    /// Whether any token option is set: then every path that serves events needs a token.
    package var requiresToken: Bool { !tokens.isEmpty || !jwtSecrets.isEmpty || jwksFile != nil }

    /// `kid:secret,kid:secret` or one plain secret.
    package static func parseSecrets(_ text: String) throws(ConfigurationError) -> [JWTSecret] {
        let items = EnvironmentValues.splitList(text)
        guard !items.isEmpty else { throw ConfigurationError("--jwt-secrets is empty") }
        if items.count == 1, !items[0].contains(":") {
            return try [checked(JWTSecret(keyID: nil, secret: items[0]))]
        }
        var secrets: [JWTSecret] = []
        for item in items {
            guard let colon = item.firstIndex(of: ":"), colon != item.startIndex else {
                throw ConfigurationError("--jwt-secrets: with several secrets, each must be kid:secret")
            }
            let keyID = String(item[..<colon])
            guard !secrets.contains(where: { $0.keyID == keyID }) else { throw ConfigurationError("--jwt-secrets: kid \(keyID) is given twice") }
            secrets.append(try checked(JWTSecret(keyID: keyID, secret: String(item[item.index(after: colon)...]))))
        }
        return secrets
    }

    private static func checked(_ secret: JWTSecret) throws(ConfigurationError) -> JWTSecret {
        guard secret.secret.utf8.count >= minimumSecretBytes else {
            let name = secret.keyID.map { "the secret of kid \($0)" } ?? "the secret"
            throw ConfigurationError("--jwt-secrets: \(name) must be at least \(minimumSecretBytes) bytes (HS256)")
        }
        return secret
    }
}
