import Common
import Foundation
import HTTPTypes
import Synchronization

/// Decides whether a stream request (a WebSocket upgrade or an SSE `GET`) may become a stream, and what it may see.
/// The upgrader asks (to accept, and to record a refusal's status and reason, which the HTTP side then sends); so
/// does the SSE takeover. Both transports share every check but the WebSocket handshake's own headers, and share
/// the connection slots of `--max-connections`.
final class WebSocketAdmission: Sendable {
    enum Decision: Sendable, Equatable {
        case accept(Admitted)
        case refuse(status: HTTPResponse.Status, reason: String)
    }

    /// An accepted client: its request narrowed to what its token may see.
    struct Admitted: Sendable, Equatable {
        let request: StreamRequest
        /// Unix seconds after which the stream is ended with `token_expired` and 4001; `nil`: never.
        let expiresAt: Double?
        /// The client offered the `bearer` subprotocol (with its token), so the answer must select it.
        let selectsBearer: Bool
    }

    /// Everything checked without a key: the request and the credentials still to verify.
    struct Checked: Sendable {
        let request: StreamRequest
        let credentials: ReaderCredentials
    }

    let access: AccessPolicy
    private let origins: OriginPolicy
    let maxConnections: Int
    private let maxBacklog: Int
    /// Open stream connections (WebSocket and SSE); plain HTTP requests never count.
    private let open = Atomic<Int>(0)

    init(configuration: GatewayConfiguration, access: AccessPolicy) throws(ConfigurationError) {
        self.access = access
        origins = try OriginPolicy(configured: configuration.allowedOrigins)
        maxConnections = configuration.maxConnections
        maxBacklog = configuration.maxBacklog
    }

    var openConnections: Int { open.load(ordering: .relaxed) }

    /// The whole decision; waits only when a token has to be verified.
    func evaluate(query: Substring?, headers: HTTPFields, host: String?, framing: StreamFraming = .webSocket) async -> Decision {
        switch check(query: query, headers: headers, host: host, framing: framing) {
        case .failure(let refusal):
            return .refuse(status: refusal.status, reason: refusal.message)
        case .success(let checked):
            do {
                return admit(checked, grant: try await access.authorize(checked.credentials, host: host))
            } catch {
                return .refuse(status: error.status, reason: error.message)
            }
        }
    }

    /// The decision when it needs no token verified (`nil` otherwise): the common case answers without a hop.
    func evaluateWithoutWaiting(query: Substring?, headers: HTTPFields, host: String?, framing: StreamFraming = .webSocket) -> Decision? {
        switch check(query: query, headers: headers, host: host, framing: framing) {
        case .failure(let refusal):
            return .refuse(status: refusal.status, reason: refusal.message)
        case .success(let checked):
            do {
                guard let grant = try access.grantWithoutToken(host: host) else { return nil }
                return admit(checked, grant: grant)
            } catch {
                return .refuse(status: error.status, reason: error.message)
            }
        }
    }

    /// Checks everything but the token and capacity, in the order a client can fix them: handshake (WebSocket
    /// only), host, origin, query.
    func check(
        query: Substring?,
        headers: HTTPFields,
        host: String?,
        framing: StreamFraming = .webSocket
    ) -> Result<Checked, AccessPolicy.Refusal> {
        if framing == .webSocket {
            guard let key = headers[.secWebSocketKey], Self.isValidKey(key) else {
                return .failure(.init(status: .badRequest, message: "Sec-WebSocket-Key must be 16 random bytes in base64 (RFC 6455)"))
            }
            guard headers[.secWebSocketVersion] == "13" else {
                return .failure(.init(status: .badRequest, message: "Sec-WebSocket-Version must be 13"))
            }
        }
        return checkRequest(query: query, headers: headers, host: host, framing: framing)
    }

    /// The checks both transports share: host, origin, query and where the credentials are.
    private func checkRequest(
        query: Substring?,
        headers: HTTPFields,
        host: String?,
        framing: StreamFraming
    ) -> Result<Checked, AccessPolicy.Refusal> {
        do {
            try access.checkHost(host)
        } catch {
            return .failure(error)
        }
        if let origin = headers[.origin], !origins.allows(origin: origin, host: host, forwardedProto: headers[Self.forwardedProto]) {
            return .failure(.init(status: .forbidden, message: "origin not allowed (scheme, host and port must match --allowed-origins)"))
        }
        do {
            let parameters = try QueryParameters(parsing: query)
            let credentials = ReaderCredentials(
                authorization: headers[.authorization],
                // A page's EventSource cannot offer subprotocols; a program's SSE client uses the header.
                subprotocols: framing == .webSocket ? headers[values: .secWebSocketProtocol] : [],
                queryToken: parameters["token"]
            )
            var request = try StreamRequest(query: parameters, maxBacklog: maxBacklog)
            if framing == .sse { request = try Self.resuming(request, query: parameters, lastEventID: headers[Self.lastEventID]) }
            return .success(Checked(request: request, credentials: credentials))
        } catch {
            return .failure(.init(status: .badRequest, message: error.description))
        }
    }

    /// `Last-Event-ID` (sent by `EventSource` when it reconnects) means `since=`, and replaces `backlog=`: the
    /// reconnecting page already has the backlog. An explicit `since=` wins over the header, so that a program
    /// that names its position is never second-guessed; a page should therefore leave `since=` out of its
    /// `EventSource` URL and let the browser resume.
    private static func resuming(_ request: StreamRequest, query: QueryParameters, lastEventID: String?) throws(QueryError) -> StreamRequest {
        guard let lastEventID, !lastEventID.isEmpty, (query["since"] ?? "").isEmpty else { return request }
        guard let id = StreamID(lastEventID) else { throw QueryError("Last-Event-ID must be a stream id such as 1764412345678-0") }
        return StreamRequest(filter: request.filter, start: .since(id))
    }

    private func admit(_ checked: Checked, grant: AccessGrant) -> Decision {
        .accept(
            Admitted(
                request: checked.request.narrowed(by: grant.scope),
                expiresAt: grant.expiresAt,
                selectsBearer: checked.credentials.offersBearerSubprotocol
            )
        )
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

    private static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    private static let lastEventID = HTTPField.Name("Last-Event-ID")!

    static func isValidKey(_ key: String) -> Bool {
        Data(base64Encoded: key.trimmingCharacters(in: .whitespaces))?.count == 16
    }
}
