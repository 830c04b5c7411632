package import ArgumentParser

/// Who may read events, shared by both processes (see "Access control" in the README). Secrets given here are
/// never logged.
package struct AccessOptions: ParsableArguments, Sendable {
    package static let tokens = OptionDefinition<[String]>(
        flag: "tokens",
        environment: "AUTH_TOKENS",
        legacyEnvironment: ["GATEWAY_TOKENS"],
        kind: .list,
        secret: true,
        help: "Comma-separated static tokens with full read access"
    )
    @Option(AccessOptions.tokens) package var tokens: [String]?

    package static let jwtSecrets = OptionDefinition<String>(
        flag: "jwt-secrets",
        environment: "JWT_SECRETS",
        kind: .text,
        secret: true,
        help:
            "HS256 secrets for JWTs, comma-separated kid:secret pairs (several, for rotation) or one plain secret of at least 32 bytes"
    )
    @Option(AccessOptions.jwtSecrets) package var jwtSecrets: String?

    package static let jwksFile = OptionDefinition<String>(
        flag: "jwks-file",
        environment: "JWKS_FILE",
        kind: .text,
        help: "JWKS file of RS256 and ES256 public keys for JWTs, each with a kid; re-read on SIGHUP"
    )
    @Option(AccessOptions.jwksFile) package var jwksFile: String?

    package static let jwtAudience = OptionDefinition<String>(
        flag: "jwt-audience",
        environment: "JWT_AUDIENCE",
        kind: .text,
        defaultDescription: "not checked",
        help: "When set, a JWT's aud must contain this value"
    )
    @Option(AccessOptions.jwtAudience) package var jwtAudience: String?

    package static let publicRead = OptionDefinition<Bool>(
        flag: "public-read",
        environment: "PUBLIC_READ",
        kind: .onOff,
        default: false,
        help:
            "Serve events without a token on a non-loopback address, because they are meant to be public (without it, such a process answers 403 until a token option is set)"
    )
    @Flag(AccessOptions.publicRead) package var publicRead = false

    package static let allowedHosts = OptionDefinition<[String]>(
        flag: "allowed-hosts",
        environment: "ALLOWED_HOSTS",
        kind: .list,
        defaultDescription: "the loopback names when listening on loopback, otherwise any",
        help: "Comma-separated Host names (host or host:port, or *) the event and dashboard paths answer to; others get 421"
    )
    @Option(AccessOptions.allowedHosts) package var allowedHosts: [String]?

    package static let table = [
        tokens.summary, jwtSecrets.summary, jwksFile.summary, jwtAudience.summary, publicRead.summary, allowedHosts.summary,
    ]

    package init() {}
}
