import ArgumentParser
import Common
import Simulation

/// `mandrill-sim mint-token`: prints an HS256 reader token for local use (production tokens come from your own
/// identity service, signed with the same secret or with a key in the JWKS file).
struct MintToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint-token",
        abstract: "Prints a signed reader token (HS256 JWT) for --jwt-secrets, optionally pinned to subaccounts, types, emails or tags."
    )

    @Option(
        help:
            "The services' --jwt-secrets value: kid:secret pairs or one plain secret (env: JWT_SECRETS, as the services read it; JWT_SECRET is read too)."
    )
    var secret: String?

    @Option(help: "Which kid of --secret to sign with (default: the first).")
    var kid: String?

    @Option(help: "Comma-separated subaccounts the bearer may see (default: not pinned).")
    var subaccounts: String?

    @Option(help: "Comma-separated event types the bearer may see (default: not pinned).")
    var types: String?

    @Option(help: "Comma-separated recipient addresses the bearer may see (default: not pinned).")
    var emails: String?

    @Option(help: "Comma-separated tags the bearer may see (default: not pinned).")
    var tags: String?

    @Option(help: "How long the token is valid, such as 30m, 12h or 7d (default: 12h).")
    var ttl: String = "12h"

    @Option(help: "The aud claim, when the services check --jwt-audience.")
    var audience: String?

    @Option(help: "The sub claim: who the token is for, shown in your own records only.")
    var subject: String?

    func run() async throws {
        let environment = EnvironmentValues()
        guard let text = secret ?? environment.string("JWT_SECRETS", isSecret: true) ?? environment.string("JWT_SECRET", isSecret: true) else {
            throw ValidationError("give --secret (or JWT_SECRETS): the --jwt-secrets value the services were started with")
        }
        let secrets: [AccessConfiguration.JWTSecret]
        do {
            secrets = try AccessConfiguration.parseSecrets(text)
        } catch {
            throw ValidationError(error.description)
        }
        guard let chosen = kid.map({ kid in secrets.first { $0.keyID == kid } }) ?? secrets.first else {
            throw ValidationError("--kid \(kid ?? ""): no secret with this kid in --secret")
        }
        guard let lifetime = DurationText.parse(ttl), lifetime > .zero else { throw ValidationError("--ttl must be a duration such as 12h") }
        func list(_ text: String?) -> Set<String>? { text.map { Set(EnvironmentValues.splitList($0)) } }
        let scope = ReaderScope(subaccounts: list(subaccounts), types: list(types), emails: list(emails), tags: list(tags))
        print(
            try await ReaderTokenMinter.hs256(
                secret: chosen.secret,
                keyID: chosen.keyID,
                scope: scope,
                lifetime: lifetime,
                audience: audience,
                subject: subject
            )
        )
    }
}
