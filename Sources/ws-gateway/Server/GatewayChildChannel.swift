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
/// (no task per client, frames encoded once, flushes coalesced); everything else, including refused upgrades,
/// goes to the Hummingbird router, which explains a refusal with the right status.
struct GatewayChildChannel: ServerChildChannel, HTTPChannelHandler {
    enum Outcome: Sendable {
        case webSocket
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
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
            let admitted = NIOLoopBoundBox<StreamRequest?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Outcome>(
                maxFrameSize: gateway.configuration.maxFrameBytes,
                enableAutomaticErrorHandling: true,
                shouldUpgrade: { channel, head in
                    // Refusals fall through to the router's /ws/email/ route, which answers with the reason.
                    admitted.value = gateway.admit(head)
                    return channel.eventLoop.makeSucceededFuture(admitted.value == nil ? nil : HTTPHeaders())
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let request = admitted.value else { throw ChannelError.inappropriateOperationForState }
                        try gateway.startStream(on: channel, request: request)
                        return Outcome.webSocket
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: .seconds(60), logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        return Outcome.http(asyncChannel)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            gateway.armHandshakeTimeout(on: channel, until: outcome)
            outcome.whenComplete { result in
                // A slot taken in shouldUpgrade is released by the connection once it exists; if the upgrade never
                // completed, release it here.
                if case .success(.webSocket) = result { return }
                if admitted.value != nil { gateway.admission.releaseSlot() }
            }
            return Value(channel: channel, outcome: outcome)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard let outcome = try? await value.outcome.get() else { return }
        switch outcome {
        case .webSocket:
            // The stream lives on in its NIO handlers; no task stays parked per client.
            return
        case .http(let asyncChannel):
            await handleHTTP(asyncChannel: asyncChannel, logger: logger)
        }
    }
}
