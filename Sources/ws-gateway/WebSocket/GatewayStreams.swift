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

    /// Runs in the upgrader; `nil` refuses (see ``refusal(for:)`` for the answer).
    func admit(_ head: HTTPRequestHead) -> StreamRequest? {
        guard let decision = evaluate(head), case .accept(let request) = decision else { return nil }
        guard admission.reserveSlot() else { return nil }
        return request
    }

    /// The admission decision for a request on the stream path; `nil` for other paths.
    func evaluate(_ head: HTTPRequestHead) -> WebSocketAdmission.Decision? {
        let (path, query) = Self.split(head.uri)
        guard path == Self.path || path == String(Self.path.dropLast()) else { return nil }
        var fields = HTTPFields()
        for header in head.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return admission.evaluate(path: String(path), query: query, headers: fields, host: head.headers.first(name: "Host"))
    }

    /// Why an upgrade request was not accepted, as the status and reason the client gets.
    func refusal(for head: HTTPRequestHead) -> (HTTPResponse.Status, String) {
        guard head.headers.first(name: "Upgrade")?.lowercased() == "websocket" else {
            return (.badRequest, "only WebSocket upgrades are supported")
        }
        switch evaluate(head) {
        case nil:
            return (.notFound, "WebSocket streams are served on \(Self.path)")
        case .refuse(let status, let reason):
            return (status, reason)
        case .accept:
            if admission.openConnections >= admission.maxConnections {
                return (.serviceUnavailable, "gateway at capacity: try another instance or later")
            }
            return (.badRequest, "invalid WebSocket handshake (Connection: Upgrade, Sec-WebSocket-Key and Sec-WebSocket-Version: 13 are required)")
        }
    }

    static func errorBody(_ reason: String) -> ByteBuffer {
        var body = Array("{\"error\":".utf8)
        JSONString.append(reason, to: &body)
        body.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: body)
    }

    /// Installs the stream handlers on an upgraded channel. Runs on the channel's loop.
    func startStream(on channel: any Channel, request: StreamRequest) throws {
        let writer = RawFrameWriter()
        let hub = broadcaster.hub(for: channel.eventLoop)
        let admission = self.admission
        let metrics = self.metrics
        let connection = WebSocketConnection(
            request: request,
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
