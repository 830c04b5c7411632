import Common
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// How each accepted connection is served: a WebSocket upgrade on `/ws/email/` becomes a raw SwiftNIO stream
/// (no task per client, frames encoded once, flushes coalesced); so does a `GET /sse/email/`, taken over before it
/// reaches the router, so that SSE clients share the hub and its encode-once fan-out; other requests go to the
/// Hummingbird router.
///
/// A refused upgrade is answered here, not by the router: NIO's upgrade handler does not pass the request of a
/// failed upgrade on to the HTTP pipeline, so the reason is computed from the head recorded on the way in.
struct GatewayChildChannel: ServerChildChannel, HTTPChannelHandler {
    enum Outcome: Sendable {
        case webSocket
        case sse
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HTTPResponse.Status, String)
    }

    struct Value: ServerChildChannelValue {
        let channel: any Channel
        let outcome: EventLoopFuture<Outcome>
    }

    let responder: HTTPChannelHandler.Responder
    let gateway: GatewayStreams
    let logger: Logger

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // The upgrader's closures are `@Sendable`, but each of them runs on this channel's loop.
            let recorder = HandshakeRecorder()
            let handshake = NIOLoopBound(recorder, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Outcome>(
                maxFrameSize: gateway.configuration.maxFrameBytes,
                enableAutomaticErrorHandling: true,
                shouldUpgrade: { channel, head in
                    gateway.decide(head, on: channel.eventLoop).map { decision in
                        handshake.value.decision = decision
                        guard case .accept(let admitted) = decision, gateway.admission.reserveSlot() else { return nil }
                        handshake.value.accepted = admitted
                        var headers = HTTPHeaders()
                        // The token itself is never echoed: only the protocol name the browser offered with it.
                        if admitted.selectsBearer { headers.add(name: "Sec-WebSocket-Protocol", value: "bearer") }
                        if let extensions = gateway.extensionResponse(to: head) {
                            handshake.value.deflates = true
                            headers.add(name: "Sec-WebSocket-Extensions", value: extensions)
                        }
                        return headers
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let admitted = handshake.value.accepted else { throw ChannelError.inappropriateOperationForState }
                        // Raw WebSocket bytes flow from here on; the recorder only understands HTTP parts.
                        channel.pipeline.syncOperations.removeHandler(handshake.value, promise: nil)
                        try gateway.startStream(on: channel, admitted: admitted, deflates: handshake.value.deflates)
                        return Outcome.webSocket
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    if let head = handshake.value.head, head.method == .GET, !head.headers.contains(name: "Upgrade"),
                        GatewayStreams.isStreamPath(head.uri, framing: .sse)
                    {
                        return takeOverSSE(channel, head: head, handshake: handshake, logger: logger)
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        let asyncChannel = try Self.httpChannel(channel, logger: logger)
                        if let head = handshake.value.head, head.headers.contains(name: "Upgrade") {
                            let (status, reason) = gateway.refusal(for: head, decision: handshake.value.decision)
                            return Outcome.refused(asyncChannel, status, reason)
                        }
                        return Outcome.http(asyncChannel)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            let upgradeHandler = try channel.pipeline.syncOperations.handler(type: NIOTypedHTTPServerUpgradeHandler<Outcome>.self)
            try channel.pipeline.syncOperations.addHandler(recorder, position: .before(upgradeHandler))
            gateway.armHandshakeTimeout(on: channel, until: outcome)
            outcome.whenComplete { result in
                // A slot taken in shouldUpgrade is released by the stream once it exists; if the upgrade never
                // completed, release it here.
                switch result {
                case .success(.webSocket), .success(.sse): return
                default: break
                }
                if handshake.value.accepted != nil { gateway.admission.releaseSlot() }
            }
            return Value(channel: channel, outcome: outcome)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard let outcome = try? await value.outcome.get() else { return }
        switch outcome {
        case .webSocket, .sse:
            // The stream lives on in its NIO handlers; no task stays parked per client.
            return
        case .http(let asyncChannel):
            await handleHTTP(asyncChannel: asyncChannel, logger: logger)
        case .refused(let asyncChannel, let status, let reason):
            await refuse(asyncChannel, status: status, reason: reason)
        }
    }

    /// The HTTP/1 pipeline the router (or a refusal) is served through.
    private static func httpChannel(_ channel: any Channel, logger: Logger) throws -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
        try channel.pipeline.syncOperations.addHandler(StreamRequestOnReusedConnection())
        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: .seconds(60), logger: logger))
        return try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
            wrappingChannelSynchronously: channel,
            configuration: .init(isOutboundHalfClosureEnabled: true)
        )
    }

    /// Admits a `GET /sse/email/` like an upgrade (same checks but the WebSocket headers, same slots) and turns the
    /// channel into a stream; a refusal goes through the HTTP pipeline like a refused upgrade. The request parts
    /// the upgrade handler forwards afterwards reach the connection, which drops them.
    private func takeOverSSE(
        _ channel: any Channel,
        head: HTTPRequestHead,
        handshake: NIOLoopBound<HandshakeRecorder>,
        logger: Logger
    ) -> EventLoopFuture<Outcome> {
        let gateway = self.gateway
        return gateway.decide(head, framing: .sse, on: channel.eventLoop).flatMapThrowing { decision in
            handshake.value.decision = decision
            guard case .accept(let admitted) = decision, gateway.admission.reserveSlot() else {
                let (status, reason) = gateway.sseRefusal(decision: decision)
                return Outcome.refused(try Self.httpChannel(channel, logger: logger), status, reason)
            }
            handshake.value.accepted = admitted
            try gateway.startStream(on: channel, admitted: admitted, framing: .sse)
            return Outcome.sse
        }
    }

    private func refuse(_ asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, status: HTTPResponse.Status, reason: String) async {
        gateway.metrics.rejected(reason: String(status.code))
        let body = GatewayStreams.errorBody(reason)
        var headers: HTTPFields = [.contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        try? await asyncChannel.executeThenClose { _, outbound in
            try await outbound.write(contentsOf: [.head(HTTPResponse(status: status, headerFields: headers)), .body(body), .end(nil)])
        }
    }
}

/// Remembers the request head on its way to the upgrade handler, and what the upgrader decided about it.
/// Confined to the channel's event loop (the upgrader's closures reach it through an `NIOLoopBound`).
final class HandshakeRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    var head: HTTPRequestHead?
    /// What the admission answered, once it did.
    var decision: WebSocketAdmission.Decision?
    var accepted: WebSocketAdmission.Admitted?
    /// The upgrade answered permessage-deflate.
    var deflates = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { self.head = head }
        context.fireChannelRead(data)
    }
}
