import NIOCore

/// The client side of an RFC 6455 opening handshake, written out byte by byte so that tests and the benchmark
/// see exactly what the server answered (status, headers, body) even when it refuses the upgrade.
package enum WebSocketHandshakeResult: Sendable {
    case upgraded
    case rejected(status: Int, headers: [(String, String)], body: String)
}

final class WebSocketHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let request: [UInt8]
    private let expectedAccept: String
    private let promise: EventLoopPromise<WebSocketHandshakeResult>
    private let onUpgrade: (@Sendable ([(String, String)]) -> Void)?
    /// Adds the frame handlers once the server said 101; runs on the channel's loop.
    private let upgradePipeline: @Sendable (any Channel) throws -> Void
    private var buffer: ByteBuffer?
    private var head: (status: Int, headers: [(String, String)], bodyLength: Int)?

    init(
        host: String,
        path: String,
        headers: [(String, String)],
        promise: EventLoopPromise<WebSocketHandshakeResult>,
        onUpgrade: (@Sendable ([(String, String)]) -> Void)? = nil,
        upgradePipeline: @escaping @Sendable (any Channel) throws -> Void
    ) {
        let key = WebSocketKey.random()
        self.expectedAccept = WebSocketKey.accept(for: key)
        // A caller's own Host (a test of DNS rebinding) replaces the default one.
        let ownHost = headers.first { $0.0.lowercased() == "host" }?.1 ?? host
        var text = "GET \(path) HTTP/1.1\r\nHost: \(ownHost)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        text += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers where name.lowercased() != "host" { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        self.request = Array(text.utf8)
        self.promise = promise
        self.onUpgrade = onUpgrade
        self.upgradePipeline = upgradePipeline
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        process(context: context)
    }

    private func process(context: ChannelHandlerContext) {
        guard var buffer else { return }
        if head == nil {
            let view = buffer.readableBytesView
            guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let headText = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
            buffer.moveReaderIndex(forwardBy: end.upperBound - view.startIndex)
            var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusLine = lines.removeFirst().split(separator: " ")
            let status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
            let headers = lines.compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                let value = line[line.index(after: colon)...].drop { $0 == " " }
                return (String(line[..<colon]), String(value))
            }
            let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
            head = (status, headers, length)
            self.buffer = buffer
            if status == 101 {
                upgrade(context: context, headers: headers)
                return
            }
        }
        guard let head, buffer.readableBytes >= head.bodyLength else { return }
        let body = buffer.readString(length: head.bodyLength) ?? ""
        promise.succeed(.rejected(status: head.status, headers: head.headers, body: body))
        context.close(promise: nil)
    }

    private func upgrade(context: ChannelHandlerContext, headers: [(String, String)]) {
        let accept = headers.first { $0.0.lowercased() == "sec-websocket-accept" }?.1
        guard accept == expectedAccept else {
            promise.fail(WebSocketClientError(message: "server sent a wrong Sec-WebSocket-Accept"))
            context.close(promise: nil)
            return
        }
        onUpgrade?(headers)
        do {
            try upgradePipeline(context.channel)
        } catch {
            promise.fail(error)
            context.close(promise: nil)
            return
        }
        let leftover = buffer
        buffer = nil
        promise.succeed(.upgraded)
        // Frames that came in the same read as the 101 go to the frame decoder before this handler leaves.
        if let leftover, leftover.readableBytes > 0 {
            context.fireChannelRead(NIOAny(leftover))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(WebSocketClientError(message: "connection closed during the handshake"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}

package struct WebSocketClientError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
