package import ArgumentParser

/// Who may read events, shared by both processes (see "Access control" in the README). Secrets given here are
/// never logged.
package struct AccessOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help: "Comma-separated static tokens with full read access (env: AUTH_TOKENS; GATEWAY_TOKENS is still read; default: none)."
    )
    package var tokens: String?

    @Option(
        name: .long,
        help:
            "HS256 secrets for JWTs, comma-separated kid:secret pairs (several, for rotation) or one plain secret of at least 32 bytes (env: JWT_SECRETS, default: none)."
    )
    package var jwtSecrets: String?

    @Option(
        name: .long,
        help: "JWKS file of RS256 and ES256 public keys for JWTs, each with a kid; re-read on SIGHUP (env: JWKS_FILE, default: none)."
    )
    package var jwksFile: String?

    @Option(name: .long, help: "When set, a JWT's aud must contain this value (env: JWT_AUDIENCE, default: not checked).")
    package var jwtAudience: String?

    @Flag(
        name: .long,
        help:
            "Serve events without a token on a non-loopback address, because they are meant to be public (env: PUBLIC_READ=1; default: such a process answers 403 until a token option is set)."
    )
    package var publicRead = false

    @Option(
        name: .long,
        help:
            "Comma-separated Host names (host or host:port, or *) the event and dashboard paths answer to; others get 421 (env: ALLOWED_HOSTS, default: the loopback names when listening on loopback, otherwise any)."
    )
    package var allowedHosts: String?

    package init() {}
}
