import Common
import Foundation
import HTTPServing
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// Receives Mandrill's webhook POSTs on each registration's path, and answers Mandrill's HEAD/GET URL check.
///
/// The order of checks is deliberate: cheap header checks first, the body read with our own limit (never a
/// framework default), the form decoded by our code, the signature verified before any JSON is parsed, and 200
/// sent only after Redis confirmed the write.
struct WebhookController: Sendable {
    /// A registration with its keys prepared for verification (see ``MandrillSignature/Verifier``).
    struct Route: Sendable {
        let registration: WebhookRegistration
        let keys: MandrillSignature.Verifier
        let testWebhookKey: MandrillSignature.Verifier

        init(_ registration: WebhookRegistration) {
            self.registration = registration
            self.keys = MandrillSignature.Verifier(url: registration.url, keys: registration.keys)
            self.testWebhookKey = MandrillSignature.Verifier(url: registration.url, keys: [MandrillSignature.testWebhookKey])
        }
    }

    let routes: [Route]
    let store: EventStore
    let limits: WebhookLimits
    let budget: BodyBudget
    let deadlines: BodyDeadlines
    let metrics: IngestMetrics
    let logger: Logger

    /// `deadlines` must run as a service of the application: its sweep enforces `limits.bodyTimeout`.
    init(
        registrations: [WebhookRegistration],
        store: EventStore,
        limits: WebhookLimits,
        deadlines: BodyDeadlines,
        metrics: IngestMetrics,
        logger: Logger
    ) {
        self.routes = registrations.map(Route.init)
        self.store = store
        self.limits = limits
        self.budget = BodyBudget(capacity: limits.maxConcurrentBodies * limits.maxBodyBytes)
        self.deadlines = deadlines
        self.metrics = metrics
        self.logger = logger
    }

    func addRoutes(to router: Router<IngestRequestContext>) {
        for route in routes {
            let path = RouterPath(route.registration.path)
            // Hummingbird answers HEAD from this GET route, without a body.
            router.get(path) { _, _ in Self.urlCheckResponse() }
            router.post(path) { request, context in try await receive(request, channel: context.channel, for: route) }
        }
    }

    /// Mandrill sends HEAD when a webhook is added and wants exactly 200, before any key exists.
    static func urlCheckResponse() -> Response {
        .json(.ok, "{\"status\":\"ok\"}")
    }

    func receive(_ request: Request, channel: any Channel, for route: Route) async throws -> Response {
        do {
            let result = try await process(request, channel: channel, for: route)
            metrics.request(outcome: result.received == 0 ? "empty" : "stored")
            return .json(.ok, "{\"received\":\(result.received),\"stored\":\(result.stored),\"duplicates\":\(result.duplicates)}")
        } catch let error as APIError {
            metrics.request(outcome: error.outcome ?? Self.outcome(error.status))
            throw error
        }
    }

    private func process(_ request: Request, channel: any Channel, for route: Route) async throws -> EventStore.StoreResult {
        let registration = route.registration
        guard FormBody.isFormMediaType(request.headers[.contentType]) else {
            throw APIError(status: .unsupportedMediaType, message: "Content-Type must be application/x-www-form-urlencoded")
        }
        let length = request.headers[.contentLength].flatMap(Int.init)
        if let length, length > limits.maxBodyBytes || length < 0 {
            throw APIError(status: .contentTooLarge, message: "body larger than \(limits.maxBodyBytes) bytes")
        }
        if let expected = registration.basicCredentials, !Self.basicCredentialsMatch(request.headers[.authorization], expected: expected) {
            logger.notice("Webhook POST rejected: Basic credentials missing or wrong", metadata: ["path": .string(registration.path)])
            throw APIError(status: .unauthorized, message: "unauthorized", headers: [.wwwAuthenticate: "Basic realm=\"mandrill\""])
        }
        // Nothing is read before the body has its share of the memory budget (a body without a length may be
        // as large as the limit). The share is held until the answer is ready.
        let reservation = length ?? limits.maxBodyBytes
        guard await budget.reserve(reservation, timeout: limits.bodyTimeout) else {
            logger.notice("Webhook POST deferred: every body slot is busy", metadata: ["path": .string(registration.path)])
            throw APIError(
                status: .serviceUnavailable,
                message: "too many webhook bodies are being read, retry later",
                headers: [.retryAfter: "5"],
                outcome: "busy"
            )
        }
        defer { budget.release(reservation) }
        let body = try await WebhookBodyReader(maxBytes: limits.maxBodyBytes, deadlines: deadlines)
            .read(request, channel: channel, expectedLength: length)
        let form: FormBody
        do {
            // `consume`: the body buffer is decoded in place, never copied (a 32 MiB body costs 32 MiB).
            form = try FormBody(decodingInPlace: consume body, maxFields: limits.maxFormFields)
        } catch {
            throw APIError(status: .badRequest, message: error.description)
        }
        let isTestKey = try verifySignature(request, form: form, route: route)
        guard let events = form.valueRange(named: "mandrill_events") else {
            throw APIError(status: .badRequest, message: "form field mandrill_events is missing")
        }
        let batch: MandrillBatch
        do {
            batch = try MandrillBatch(bytes: form.storage, range: events)
        } catch {
            logger.notice(
                "Webhook batch rejected: not a JSON array of objects",
                metadata: ["path": .string(registration.path), "reason": .string(error.description)]
            )
            throw APIError(status: .badRequest, message: "mandrill_events must be a JSON array of objects (\(error.description))")
        }
        if isTestKey {
            // `test-webhook` is a public key: it may only prove the URL works, with an empty batch.
            guard batch.isEmpty else {
                logger.notice("Webhook POST rejected: test-webhook key with a non-empty batch", metadata: ["path": .string(registration.path)])
                throw APIError(status: .unauthorized, message: "unauthorized")
            }
            logger.info("Mandrill test-webhook check answered", metadata: ["path": .string(registration.path)])
        }
        let started = ContinuousClock.now
        let result: EventStore.StoreResult
        do {
            result = try await store.store(batch)
        } catch {
            logger.warning(
                "Batch not stored; answering 503 so that Mandrill retries",
                metadata: ["path": .string(registration.path), "events": .stringConvertible(batch.events.count), "error": .string(error.description)]
            )
            throw APIError(status: .serviceUnavailable, message: "storage unavailable, retry later", headers: [.retryAfter: "5"])
        }
        metrics.storeSeconds.record(ContinuousClock.now - started)
        metrics.eventsStored.increment(by: Int64(result.stored))
        metrics.eventsDuplicate.increment(by: Int64(result.duplicates))
        guard store.replication.isSatisfied(by: result) else {
            metrics.replicaAckFailures.increment()
            logger.warning(
                "Batch stored on the primary but not confirmed by enough replicas; answering 503 so that Mandrill retries",
                metadata: [
                    "path": .string(registration.path), "replicas": .stringConvertible(result.replicas ?? 0),
                    "required": .stringConvertible(store.replication.required),
                ]
            )
            throw APIError(status: .serviceUnavailable, message: "not yet replicated, retry later", headers: [.retryAfter: "5"])
        }
        logger.debug(
            "Batch stored",
            metadata: [
                "path": .string(registration.path), "received": .stringConvertible(result.received), "stored": .stringConvertible(result.stored),
            ]
        )
        return result
    }

    /// Returns whether the request was signed with the public `test-webhook` key; throws 401 when no key matches.
    private func verifySignature(_ request: Request, form: FormBody, route: Route) throws -> Bool {
        let registration = route.registration
        guard let signature = request.headers[.mandrillSignature] else {
            logger.notice("Webhook POST rejected: no X-Mandrill-Signature header", metadata: ["path": .string(registration.path)])
            throw APIError(status: .unauthorized, message: "unauthorized")
        }
        if route.keys.matchingKey(header: signature, form: form) != nil {
            return false
        }
        if route.testWebhookKey.matchingKey(header: signature, form: form) != nil {
            return true
        }
        // The body of a 401 never says why: no hint to someone probing keys or URLs.
        logger.notice(
            "Webhook POST rejected: signature does not match any key of this registration",
            metadata: ["path": .string(registration.path), "registration": .string(registration.logDescription)]
        )
        throw APIError(status: .unauthorized, message: "unauthorized")
    }

    static func basicCredentialsMatch(_ header: String?, expected: String) -> Bool {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return false }
        guard let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)) else { return false }
        return constantTimeEqual(Array(decoded), Array(expected.utf8))
    }

    private static func outcome(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .unauthorized: "unauthorized"
        case .unsupportedMediaType: "unsupported_media_type"
        case .contentTooLarge: "too_large"
        case .serviceUnavailable: "unavailable"
        case .requestTimeout: "timed_out"
        default: "bad_request"
        }
    }
}

/// The bounds every webhook POST is read within (`--max-body-bytes`, `--max-concurrent-bodies`, `--body-timeout`,
/// `--max-form-fields`).
struct WebhookLimits: Sendable {
    var maxBodyBytes = IngestOptions.maxBodyBytes.requiredDefault
    var maxConcurrentBodies = IngestOptions.maxConcurrentBodies.requiredDefault
    var bodyTimeout = IngestOptions.bodyTimeout.requiredDefault
    var maxFormFields = IngestOptions.maxFormFields.requiredDefault
}

extension HTTPField.Name {
    static let mandrillSignature = Self("X-Mandrill-Signature")!
}
