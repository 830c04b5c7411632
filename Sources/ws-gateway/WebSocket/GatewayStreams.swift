import Common
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Prometheus

/// Admits stream clients (WebSocket upgrades and SSE requests) and wires each accepted one into its loop's hub,
/// then starts its replay.
struct GatewayStreams: Sendable {
    let configuration: GatewayConfiguration
    let admission: WebSocketAdmission
    let broadcaster: Broadcaster
    let history: HistoryReader
    let metrics: GatewayMetrics
    let logger: Logger

    static let path = "/ws/email/"
    static let ssePath = "/sse/email/"

    /// Whether `uri` names the stream path of `framing` (with or without its trailing slash).
    static func isStreamPath(_ uri: String, framing: StreamFraming) -> Bool {
        let wanted = framing == .webSocket ? Self.path : Self.ssePath
        let requested = split(uri).path
        return requested == wanted || requested == wanted.dropLast()
    }

    /// Runs in the upgrader (or the SSE takeover): the decision for a request on the stream path of `framing`
    /// (`nil` for other paths). Waits only when a token has to be verified.
    func decide(
        _ head: HTTPRequestHead,
        framing: StreamFraming = .webSocket,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<WebSocketAdmission.Decision?> {
        guard Self.isStreamPath(head.uri, framing: framing) else { return eventLoop.makeSucceededFuture(nil) }
        let query = Self.split(head.uri).query
        let fields = Self.fields(head.headers)
        let host = head.headers.first(name: "Host")
        if let decision = admission.evaluateWithoutWaiting(query: query, headers: fields, host: host, framing: framing) {
            return eventLoop.makeSucceededFuture(decision)
        }
        let admission = self.admission
        return eventLoop.makeFutureWithTask { await admission.evaluate(query: query, headers: fields, host: host, framing: framing) }
    }

    /// The `Sec-WebSocket-Extensions` answer for an accepted upgrade: permessage-deflate when `--compression` is on
    /// and the client offered it in a form the gateway can honour, else `nil` (plain frames).
    func extensionResponse(to head: HTTPRequestHead) -> String? {
        guard configuration.compression else { return nil }
        return DeflateNegotiation.response(to: head.headers[canonicalForm: "Sec-WebSocket-Extensions"].map(String.init))
    }

    /// Why an SSE request that was not accepted was refused: the admission's reason, or capacity.
    func sseRefusal(decision: WebSocketAdmission.Decision?) -> (HTTPResponse.Status, String) {
        if case .refuse(let status, let reason) = decision { return (status, reason) }
        return (.serviceUnavailable, "gateway at capacity: try another instance or later")
    }

    /// Why an upgrade request was not accepted, as the status and reason the client gets. `decision` is what
    /// ``decide(_:on:)`` answered, when the upgrader got that far.
    func refusal(for head: HTTPRequestHead, decision: WebSocketAdmission.Decision?) -> (HTTPResponse.Status, String) {
        guard head.headers.first(name: "Upgrade")?.lowercased() == "websocket" else {
            return (.badRequest, "only WebSocket upgrades are supported")
        }
        let (path, query) = Self.split(head.uri)
        guard path == Self.path || path == String(Self.path.dropLast()) else {
            return (.notFound, "WebSocket streams are served on \(Self.path)")
        }
        if case .refuse(let status, let reason) = decision { return (status, reason) }
        if decision == nil,
            case .failure(let refusal) = admission.check(query: query, headers: Self.fields(head.headers), host: head.headers.first(name: "Host"))
        {
            return (refusal.status, refusal.message)
        }
        if decision != nil, admission.openConnections >= admission.maxConnections {
            return (.serviceUnavailable, "gateway at capacity: try another instance or later")
        }
        return (.badRequest, "invalid WebSocket handshake (Connection: Upgrade, Sec-WebSocket-Key and Sec-WebSocket-Version: 13 are required)")
    }

    private static func fields(_ headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        for header in headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return fields
    }

    static func errorBody(_ reason: String) -> ByteBuffer {
        ByteBuffer(bytes: JSONString.errorObject(reason))
    }

    /// Installs the stream handlers on an upgraded channel, or on an SSE request's channel (whose HTTP handlers
    /// stay, unused for output: the response head is written here as raw bytes, ahead of any event). Runs on the
    /// channel's loop.
    func startStream(
        on channel: any Channel,
        admitted: WebSocketAdmission.Admitted,
        framing: StreamFraming = .webSocket,
        deflates: Bool = false
    ) throws {
        let writer = RawFrameWriter()
        let hub = broadcaster.hub(for: channel.eventLoop)
        let admission = self.admission
        let metrics = self.metrics
        let connection = StreamConnection(
            request: admitted.request,
            framing: framing,
            deflates: deflates,
            expiresAt: admitted.expiresAt,
            writer: writer,
            hub: hub,
            queueLimit: configuration.maxQueueBytes,
            drainTimeout: configuration.drainTimeout,
            replayWriteTimeout: configuration.replayWriteTimeout,
            logger: logger
        ) {
            admission.releaseSlot()
            metrics.connections.set(to: Double(admission.openConnections))
            if framing == .sse { metrics.sseConnections.decrement() }
        }
        // The socket's own write queue is the client's bounded queue: past the high watermark it is a slow consumer.
        let high = configuration.maxQueueBytes
        _ = channel.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: high / 2, high: high))
        // Writes are already coalesced per pass; Nagle's algorithm would only hold frames back waiting for ACKs.
        _ = channel.setOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        // Clients send only small control frames; a small fixed read buffer keeps idle connections cheap.
        _ = channel.setOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
        try channel.pipeline.syncOperations.addHandler(writer, position: .first)
        if framing == .sse {
            writer.write(SSEFrameBytes.responseHead)
        }
        // Counted in before the handler is added: adding it may already count it out (a client that hung up).
        metrics.connections.set(to: Double(admission.openConnections))
        if framing == .sse { metrics.sseConnections.increment() }
        do {
            try channel.pipeline.syncOperations.addHandler(connection)
        } catch {
            // The connection never existed: the caller frees the slot; the count goes back here.
            if framing == .sse { metrics.sseConnections.decrement() }
            throw error
        }
        history.start(for: connection, on: channel.eventLoop)
    }

    /// Closes connections that have not finished their HTTP request in time (slowloris protection).
    func armHandshakeTimeout(on channel: any Channel, until outcome: EventLoopFuture<GatewayChildChannel.Outcome>) {
        let task = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.handshakeTimeout)) { channel.close(promise: nil) }
        outcome.whenComplete { _ in task.cancel() }
    }

    static func split(_ uri: String) -> (path: Substring, query: Substring?) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri[...], nil) }
        return (uri[..<mark], uri[uri.index(after: mark)...])
    }
}
