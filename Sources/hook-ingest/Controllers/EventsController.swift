import Common
import HTTPServing
import Hummingbird
import Logging

/// The read API: recent events from the stream, and one message's record and timeline.
///
/// Both need a token once any token option is set, and show only what its `mandrill` claim allows: the filters
/// are narrowed by it, and a message outside it is answered 404 exactly like a message that does not exist, so
/// that ids cannot be probed.
struct EventsController: Sendable {
    let store: EventStore
    let access: AccessPolicy
    let metrics: IngestMetrics
    let logger: Logger
    static let maximumLimit = 1000

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/api/events/") { request, _ in try await recentEvents(request) }
        router.get("/api/messages/{id}") { request, context in try await message(context.parameters.require("id"), request: request) }
    }

    /// What the request may read, checked in the order of the contract: the `Host` (421), then the query (400),
    /// then the token (Bearer header, or `token=` in the query: 401; or 403 on a public address with no token
    /// option). Returns the parsed query too.
    private func authorize(_ request: Request) async throws(APIError) -> (AccessGrant, QueryParameters) {
        do throws(AccessPolicy.Refusal) {
            try access.checkHost(request.head.authority)
            let query: QueryParameters
            do {
                query = try QueryParameters(uri: request.uri.string)
            } catch {
                throw AccessPolicy.Refusal(status: .badRequest, message: error.description)
            }
            let credentials = ReaderCredentials(authorization: request.headers[.authorization], subprotocols: [], queryToken: query["token"])
            return (try await access.authorize(credentials, host: request.head.authority), query)
        } catch {
            if error.status != .badRequest { metrics.readRefused(status: error.status.code) }
            throw APIError(status: error.status, message: error.message, headers: error.status == .unauthorized ? [.wwwAuthenticate: "Bearer"] : [:])
        }
    }

    func recentEvents(_ request: Request) async throws -> Response {
        let (grant, query) = try await authorize(request)
        var limit = 50
        if let text = query["limit"] {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw APIError(status: .badRequest, message: "limit must be a number from 1 to \(Self.maximumLimit)")
            }
            limit = value
        }
        var before: StreamID?
        if let text = query["before"] {
            guard let id = StreamID(text) else { throw APIError(status: .badRequest, message: "before must be a stream id such as 1700000000000-0") }
            before = id
        }
        let filter = EventFilter(
            types: query["type"],
            emails: query["email"],
            tags: query["tag"],
            subaccounts: query["subaccount"]
        ).narrowed(by: grant.scope)
        let page: EventStore.EventPage
        do {
            page = filter.matchesNothing ? .empty : try await store.recentEvents(matching: filter, limit: limit, before: before)
        } catch {
            logger.warning("Reading recent events failed", metadata: ["error": .string(error.description)])
            throw APIError(status: .serviceUnavailable, message: "storage unavailable, retry later")
        }
        var body = Array("{\"events\":[".utf8)
        for (index, envelope) in page.envelopes.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: envelope)
        }
        body.append(contentsOf: Array("],\"next_before\":".utf8))
        if let next = page.nextBefore {
            JSONString.append(next.description, to: &body)
        } else {
            body.append(contentsOf: Array("null".utf8))
        }
        body.append(UInt8(ascii: "}"))
        return .json(.ok, body)
    }

    func message(_ id: String, request: Request) async throws -> Response {
        let (grant, _) = try await authorize(request)
        guard !id.isEmpty, id.count <= 200 else { throw APIError(status: .badRequest, message: "message id is not valid") }
        let record: EventStore.MessageRecord?
        do {
            record = try await store.message(id: id)
        } catch {
            logger.warning("Reading a message record failed", metadata: ["error": .string(error.description)])
            throw APIError(status: .serviceUnavailable, message: "storage unavailable, retry later")
        }
        let notFound = APIError(status: .notFound, message: "no message with this id")
        guard let record else { throw notFound }
        if grant.scope.pinsMessages {
            // A message with no readable snapshot cannot be shown to be inside the scope, so it is not.
            guard let attributes = record.snapshot.map(EventAttributes.init(messageSnapshot:)), grant.scope.allowsMessage(attributes) else {
                throw notFound
            }
        }
        let timelineFilter = EventFilter().narrowed(by: grant.scope)
        let timeline = record.timeline.filter { entry in
            entry.attributes.map(timelineFilter.matches) ?? (grant.scope.types?.contains(entry.type) ?? true)
        }
        var body = Array("{\"id\":".utf8)
        JSONString.append(id, to: &body)
        body.append(contentsOf: Array(",\"msg\":".utf8))
        body.append(contentsOf: record.snapshot ?? Array("null".utf8))
        body.append(contentsOf: Array(",\"msg_ts\":".utf8))
        body.append(contentsOf: record.snapshotTimestamp.flatMap { Int($0) }.map { Array(String($0).utf8) } ?? Array("null".utf8))
        body.append(contentsOf: Array(",\"events\":[".utf8))
        for (index, entry) in timeline.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            if let envelope = entry.envelope {
                body.append(contentsOf: envelope)
            } else {
                // Trimmed from the stream: the record still knows the event happened.
                body.append(contentsOf: Array("{\"id\":".utf8))
                JSONString.append(entry.id.description, to: &body)
                body.append(contentsOf: Array(",\"type\":".utf8))
                JSONString.append(entry.type, to: &body)
                body.append(contentsOf: Array(",\"event\":null}".utf8))
            }
        }
        body.append(contentsOf: Array("]}".utf8))
        return .json(.ok, body)
    }
}
