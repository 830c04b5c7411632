/// What one authenticated (or open) request may read, and until when.
package struct AccessGrant: Sendable, Equatable {
    package let scope: ReaderScope
    /// Unix time in seconds after which the token no longer counts; `nil` for static tokens and open access.
    package let expiresAt: Double?

    package init(scope: ReaderScope, expiresAt: Double?) {
        self.scope = scope
        self.expiresAt = expiresAt
    }

    /// Full access with no end: a static token, or a read API that needs no token.
    package static let unrestricted = AccessGrant(scope: .everything, expiresAt: nil)
}
