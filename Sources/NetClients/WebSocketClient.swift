package import NIOCore
import NIOPosix
package import NIOWebSocket

/// A WebSocket client for tests: every frame the server sends lands in ``messages``, in order, unbounded.
package final class WebSocketClient: Sendable {
    package enum Message: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
        case ping
        case pong
        /// The server's close frame; the client answers it and the connection ends.
        case close(code: UInt16?, reason: String)
    }

    package enum ConnectResult: Sendable {
        case connected(WebSocketClient)
        case rejected(status: Int, headers: [(String, String)], body: String)
    }

    package let messages: AsyncStream<Message>
    private let channel: any Channel

    private init(channel: any Channel, messages: AsyncStream<Message>) {
        self.channel = channel
        self.messages = messages
    }

    /// Opens a connection and performs the handshake.
    /// - Parameters:
    ///   - answerPings: when false the client ignores pings, like a dead peer would.
    ///   - answerClose: when false the client records the server's close frame but neither answers nor closes.
    ///   - receiveBufferSize: a small `SO_RCVBUF` makes a client that stops reading stall the server quickly.
    package static func connect(
        host: String = "127.0.0.1",
        port: Int,
        path: String,
        headers: [(String, String)] = [],
        answerPings: Bool = true,
        answerClose: Bool = true,
        receiveBufferSize: Int? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ConnectResult {
        let (stream, continuation) = AsyncStream<Message>.makeStream()
        let (channel, result) = try await openWebSocket(
            host: host,
            port: port,
            path: path,
            headers: headers,
            receiveBufferSize: receiveBufferSize,
            group: group
        ) { channel in
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 64 << 20)),
                WebSocketFrameEncoder(),
                FrameCollector(continuation: continuation, answerPings: answerPings, answerClose: answerClose),
            ])
        }
        switch result {
        case .upgraded:
            return .connected(WebSocketClient(channel: channel, messages: stream))
        case .rejected(let status, let headers, let body):
            continuation.finish()
            return .rejected(status: status, headers: headers, body: body)
        }
    }

    /// Sends a masked text frame.
    package func send(text: String) async throws {
        try await send(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text)))
    }

    package func sendPing() async throws {
        try await send(WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: ByteBuffer()))
    }

    /// Sends a close frame; the server answers with its own and closes.
    package func sendClose(code: UInt16 = 1000) async throws {
        var data = ByteBuffer()
        data.writeInteger(code)
        try await send(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data))
    }

    package func send(_ frame: WebSocketFrame) async throws {
        try await channel.writeAndFlush(frame)
    }

    /// Stops or resumes reading from the socket, to play a slow consumer.
    package func setReading(_ enabled: Bool) async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: enabled).get()
        if enabled { channel.read() }
    }

    /// Drops the TCP connection without a close frame.
    package func disconnect() async {
        try? await channel.close()
    }

    package var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
}

/// Turns frames into ``WebSocketClient/Message``s. Confined to the channel's loop.
final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let continuation: AsyncStream<WebSocketClient.Message>.Continuation
    private let answerPings: Bool
    private let answerClose: Bool
    private var fragments: ByteBuffer?
    private var fragmentOpcode: WebSocketOpcode = .text
    private var closed = false

    init(continuation: AsyncStream<WebSocketClient.Message>.Continuation, answerPings: Bool, answerClose: Bool) {
        self.continuation = continuation
        self.answerPings = answerPings
        self.answerClose = answerClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            if frame.opcode != .continuation {
                fragmentOpcode = frame.opcode
                fragments = ByteBuffer()
            }
            var payload = frame.unmaskedData
            fragments?.writeBuffer(&payload)
            guard frame.fin, let message = fragments else { return }
            fragments = nil
            if fragmentOpcode == .text {
                continuation.yield(.text(String(buffer: message)))
            } else {
                continuation.yield(.binary(Array(message.readableBytesView)))
            }
        case .ping:
            continuation.yield(.ping)
            if answerPings {
                let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            }
        case .pong:
            continuation.yield(.pong)
        case .connectionClose:
            var payload = frame.unmaskedData
            let code = payload.readInteger(as: UInt16.self)
            let reason = payload.readString(length: payload.readableBytes) ?? ""
            continuation.yield(.close(code: code, reason: reason))
            if answerClose, !closed {
                closed = true
                var echo = ByteBuffer()
                if let code { echo.writeInteger(code) }
                let reply = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
            }
            frame.data.clear()
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}
