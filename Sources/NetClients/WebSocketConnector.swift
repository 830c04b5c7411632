package import NIOCore
import NIOPosix

/// Opens a TCP connection and performs the WebSocket handshake; `upgradePipeline` installs whatever reads the
/// frames once the server said 101 (a frame decoder for tests, a raw byte counter for the benchmark).
/// `onUpgrade` sees the 101's headers first, for a caller that needs the server's answer to an offer
/// (`Sec-WebSocket-Extensions`) but not a whole client.
package func openWebSocket(
    host: String = "127.0.0.1",
    port: Int,
    path: String,
    headers: [(String, String)] = [],
    receiveBufferSize: Int? = nil,
    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    onUpgrade: (@Sendable (_ responseHeaders: [(String, String)]) -> Void)? = nil,
    upgradePipeline: @escaping @Sendable (any Channel) throws -> Void
) async throws -> (channel: any Channel, result: WebSocketHandshakeResult) {
    var bootstrap = ClientBootstrap(group: group).channelOption(.socketOption(.tcp_nodelay), value: 1)
    if let receiveBufferSize {
        bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
    }
    let (channel, result) = try await bootstrap.connect(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
            let promise = channel.eventLoop.makePromise(of: WebSocketHandshakeResult.self)
            let handshake = WebSocketHandshakeHandler(
                host: "\(host):\(port)",
                path: path,
                headers: headers,
                promise: promise,
                onUpgrade: onUpgrade,
                upgradePipeline: upgradePipeline
            )
            try channel.pipeline.syncOperations.addHandler(handshake)
            return (channel, promise.futureResult)
        }
    }
    return (channel, try await result.get())
}
