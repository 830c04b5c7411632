package import HTTPTypes
package import Logging

/// Decides who may read events, the same way in both processes and on every path that serves them
/// (`/ws/email/`, `/api/events/`, `/api/messages/{id}`): first the `Host` (421), then the token (401), or, with
/// no token option on a public address, 403 saying what to set.
package struct AccessPolicy: Sendable {
    /// A refused request: the status and a reason safe to show the client.
    package struct Refusal: Error, Sendable, Equatable {
        package let status: HTTPResponse.Status
        package let message: String

        package init(status: HTTPResponse.Status, message: String) {
            self.status = status
            self.message = message
        }
    }

    package let verifier: TokenVerifier
    package let hosts: HostAllowList
    private let requiresToken: Bool
    /// No token option, not `--public-read`, and reachable from other machines.
    private let refusesOpenRead: Bool

    package init(configuration: AccessConfiguration, verifier: TokenVerifier, listenHost: String) {
        self.verifier = verifier
        hosts = HostAllowList(configured: configuration.allowedHosts, listenHost: listenHost)
        requiresToken = configuration.requiresToken
        refusesOpenRead = !configuration.requiresToken && !configuration.publicRead && !HostAllowList.isLoopback(listenHost)
    }

    package static func load(_ configuration: AccessConfiguration, listenHost: String) async throws(ConfigurationError) -> AccessPolicy {
        AccessPolicy(configuration: configuration, verifier: try await TokenVerifier.load(configuration), listenHost: listenHost)
    }

    package static let openReadRefusal = Refusal(
        status: .forbidden,
        message:
            "this service listens on a public address and no token option is set: set --jwt-secrets, --jwks-file or --tokens (or --public-read if these events are meant to be public)"
    )

    package static let hostRefusal = Refusal(status: .misdirectedRequest, message: "this Host is not served here (see --allowed-hosts)")

    /// The `Host` check alone, for the dashboard page.
    package func checkHost(_ host: String?) throws(Refusal) {
        guard hosts.allows(host) else { throw Self.hostRefusal }
    }

    /// The answer for a request that needs no token verified, decided without waiting: a refusal for the `Host`
    /// or a public address with no token option, or full access. `nil`: a token must be verified
    /// (``authorize(_:host:)``).
    package func grantWithoutToken(host: String?) throws(Refusal) -> AccessGrant? {
        try checkHost(host)
        guard requiresToken else {
            if refusesOpenRead { throw Self.openReadRefusal }
            return .unrestricted
        }
        return nil
    }

    /// What the request may read.
    package func authorize(_ credentials: ReaderCredentials, host: String?) async throws(Refusal) -> AccessGrant {
        if let grant = try grantWithoutToken(host: host) { return grant }
        guard let token = credentials.token else { throw Refusal(status: .unauthorized, message: AccessError.missing.description) }
        do {
            return try await verifier.verify(token)
        } catch {
            throw Refusal(status: .unauthorized, message: error.description)
        }
    }
}

extension AccessPolicy {
    /// Says at start-up how readers are let in (counts and names only, never a secret).
    package func logSummary(_ configuration: AccessConfiguration, logger: Logger) {
        if configuration.requiresToken {
            var metadata: Logger.Metadata = [
                "static_tokens": .stringConvertible(configuration.tokens.count),
                "jwt_secrets": .stringConvertible(configuration.jwtSecrets.count),
            ]
            if let file = configuration.jwksFile { metadata["jwks_file"] = .string(file) }
            if let audience = configuration.jwtAudience { metadata["jwt_audience"] = .string(audience) }
            logger.info("Readers must present a token", metadata: metadata)
        } else if refusesOpenRead {
            logger.warning(
                "No token option on a public address: event streams and the read API answer 403 until --jwt-secrets, --jwks-file or --tokens (or --public-read) is set"
            )
        } else if configuration.publicRead {
            logger.notice("--public-read: anyone who reaches this address can read every event")
        }
        if !hosts.allowsAnyHost, configuration.allowedHosts == nil {
            logger.info("Listening on loopback: event and dashboard paths answer only to localhost, 127.0.0.1 and [::1]")
        }
    }
}
