import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a kept-alive connection, without an answer, when its next request is for a stream: an SSE `GET`, or a
/// request to switch protocols (a WebSocket upgrade).
///
/// Why: a stream is taken over only as the first request of a connection (see ``GatewayChildChannel``), and a
/// browser sends its `EventSource` request on the kept-alive connection that served the dashboard; a proxy that
/// keeps connections to the gateway alive sends upgrades on them too. A reused connection that closes before any
/// answer is what browsers, proxies and HTTP clients generally treat as a stale keep-alive socket: they send the
/// request again on a new connection, where it is the first and becomes a stream. Answering it on this connection
/// instead would need a second stream path through Hummingbird; and after an upgrade request SwiftNIO's HTTP decoder
/// stops parsing, so answering one (426 from the router) would leave a connection that never reads another request.
/// An answer still being written when such a request arrives (a pipelining client) is finished first. Confined to
/// the channel's loop.
final class StreamRequestOnReusedConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The connection's first request is already decided (served, or an explained refusal of a stream).
    private var servedFirst = false
    /// Requests forwarded whose answer has not ended yet.
    private var answersPending = 0
    /// A stream request came: nothing more is read, and the connection closes once the pending answers are out.
    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        guard case .head(let request) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        if servedFirst, Self.isStreamRequest(request) {
            closing = true
            if answersPending == 0 { context.close(promise: nil) }
            return
        }
        servedFirst = true
        answersPending += 1
        context.fireChannelRead(data)
    }

    /// An SSE `GET`, or any request to switch protocols (after which the decoder reads nothing more).
    private static func isStreamRequest(_ request: HTTPRequest) -> Bool {
        if request.headerFields[.upgrade] != nil { return true }
        return request.method == .get && GatewayStreams.isStreamPath(request.path ?? "", framing: .sse)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        answersPending -= 1
        guard closing, answersPending == 0 else { return context.write(data, promise: promise) }
        let written = promise ?? context.eventLoop.makePromise()
        context.write(data, promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
