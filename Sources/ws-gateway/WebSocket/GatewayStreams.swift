import Common
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Admits WebSocket clients and wires each accepted one into its loop's hub, then starts its replay.
struct GatewayStreams: Sendable {
    let configuration: GatewayConfiguration
    let admission: WebSocketAdmission
    let broadcaster: Broadcaster
    let history: HistoryReader
    let metrics: GatewayMetrics
    let logger: Logger

    static let path = "/ws/email/"

    /// Runs in the upgrader: the decision for a request on the stream path (`nil` for other paths). Waits only
    /// when a token has to be verified.
    func decide(_ head: HTTPRequestHead, on eventLoop: any EventLoop) -> EventLoopFuture<WebSocketAdmission.Decision?> {
        let (path, query) = Self.split(head.uri)
        guard path == Self.path || path == String(Self.path.dropLast()) else { return eventLoop.makeSucceededFuture(nil) }
        let fields = Self.fields(head.headers)
        let host = head.headers.first(name: "Host")
        if let decision = admission.evaluateWithoutWaiting(query: query, headers: fields, host: host) {
            return eventLoop.makeSucceededFuture(decision)
        }
        let admission = self.admission
        return eventLoop.makeFutureWithTask { await admission.evaluate(query: query, headers: fields, host: host) }
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
        var body = Array("{\"error\":".utf8)
        JSONString.append(reason, to: &body)
        body.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: body)
    }

    /// Installs the stream handlers on an upgraded channel. Runs on the channel's loop.
    func startStream(on channel: any Channel, admitted: WebSocketAdmission.Admitted) throws {
        let writer = RawFrameWriter()
        let hub = broadcaster.hub(for: channel.eventLoop)
        let admission = self.admission
        let metrics = self.metrics
        let connection = WebSocketConnection(
            request: admitted.request,
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
        }
        metrics.connections.set(to: Double(admission.openConnections))
        // The socket's own write queue is the client's bounded queue: past the high watermark it is a slow consumer.
        let high = configuration.maxQueueBytes
        _ = channel.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: high / 2, high: high))
        // Writes are already coalesced per pass; Nagle's algorithm would only hold frames back waiting for ACKs.
        _ = channel.setOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        // Clients send only small control frames; a small fixed read buffer keeps idle connections cheap.
        _ = channel.setOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
        try channel.pipeline.syncOperations.addHandler(writer, position: .first)
        try channel.pipeline.syncOperations.addHandler(connection)
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
