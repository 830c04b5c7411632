import Common
import Crypto
import Foundation
import HTTPTypes
import Synchronization

/// Decides whether an upgrade request may become a stream. Used twice with the same rules: by the upgrader
/// (to accept) and by the `/ws/email/` HTTP route (to explain a refusal with the right status).
final class WebSocketAdmission: Sendable {
    enum Decision: Sendable, Equatable {
        case accept(StreamRequest)
        case refuse(status: HTTPResponse.Status, reason: String)
    }

    private let tokens: [[UInt8]]
    private let allowedOrigins: [String]?
    let maxConnections: Int
    private let maxBacklog: Int
    /// Open WebSocket connections; plain HTTP requests never count.
    private let open = Atomic<Int>(0)

    init(configuration: GatewayConfiguration) {
        tokens = configuration.tokens.map { Array($0.utf8) }
        allowedOrigins = configuration.allowedOrigins?.map(Self.normalizedOrigin)
        maxConnections = configuration.maxConnections
        maxBacklog = configuration.maxBacklog
    }

    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Checks everything but capacity, in the order a client can fix them: handshake, origin, token, query.
    func evaluate(path: String, query: Substring?, headers: HTTPFields, host: String?) -> Decision {
        guard let key = headers[.secWebSocketKey], Self.isValidKey(key) else {
            return .refuse(status: .badRequest, reason: "Sec-WebSocket-Key must be 16 random bytes in base64 (RFC 6455)")
        }
        guard headers[.secWebSocketVersion] == "13" else {
            return .refuse(status: .badRequest, reason: "Sec-WebSocket-Version must be 13")
        }
        if let origin = headers[.origin], !isAllowed(origin: origin, host: host) {
            return .refuse(status: .forbidden, reason: "origin not allowed")
        }
        let parameters: QueryParameters
        do {
            parameters = try QueryParameters(parsing: query)
        } catch {
            return .refuse(status: .badRequest, reason: error.description)
        }
        if !tokens.isEmpty {
            let bearer = headers[.authorization].flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
            guard let token = parameters["token"] ?? bearer, hasToken(Array(token.utf8)) else {
                return .refuse(status: .unauthorized, reason: "a valid token is required")
            }
        }
        do {
            return .accept(try StreamRequest(query: parameters, maxBacklog: maxBacklog))
        } catch {
            return .refuse(status: .badRequest, reason: error.description)
        }
    }

    /// Takes a connection slot; `false` when the gateway is full.
    func reserveSlot() -> Bool {
        while true {
            let current = open.load(ordering: .relaxed)
            guard current < maxConnections else { return false }
            if open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged { return true }
        }
    }

    func releaseSlot() {
        open.subtract(1, ordering: .relaxed)
    }

    private func hasToken(_ candidate: [UInt8]) -> Bool {
        // Every token is compared in full so that timing says nothing about which one (or how much) matched.
        var found = false
        for token in tokens where constantTimeEqual(token, candidate) { found = true }
        return found
    }

    private func isAllowed(origin: String, host: String?) -> Bool {
        let origin = Self.normalizedOrigin(origin)
        guard let allowedOrigins else {
            // Default: the page must come from the gateway itself (same host and port as this request).
            guard let host, let originHost = URLComponents(string: origin)?.host else { return false }
            let originPort = URLComponents(string: origin)?.port.map { ":\($0)" } ?? ""
            return (originHost + originPort).lowercased() == host.lowercased()
        }
        return allowedOrigins.contains("*") || allowedOrigins.contains(origin)
    }

    private static func normalizedOrigin(_ origin: String) -> String {
        var text = origin.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    static func isValidKey(_ key: String) -> Bool {
        Data(base64Encoded: key.trimmingCharacters(in: .whitespaces))?.count == 16
    }
}
