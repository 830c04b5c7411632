package import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the JWKS file on SIGHUP, so that signing keys can be rotated without a restart. A file that cannot be
/// used leaves the keys in use unchanged.
package struct PublicKeyReloadService: Service {
    let verifier: TokenVerifier
    let logger: Logger

    package init(verifier: TokenVerifier, logger: Logger) {
        self.verifier = verifier
        self.logger = logger
    }

    package func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                let count = try await verifier.reloadPublicKeys()
                logger.notice("JWKS file re-read on SIGHUP", metadata: ["keys": .stringConvertible(count)])
            } catch {
                logger.error("JWKS file could not be re-read on SIGHUP; the keys in use stay", metadata: ["error": .string(error.description)])
            }
        }
    }
}
