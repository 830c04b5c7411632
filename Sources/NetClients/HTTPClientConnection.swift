package import NIOCore
package import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection. Small on purpose: the simulator, the benchmark and the tests need exact
/// control over bytes and headers and nothing else. Requests may be pipelined; responses come back in order.
package final class HTTPClientConnection: Sendable {
    package struct Response: Sendable {
        package let status: Int
        package let headers: [(String, String)]
        package let body: [UInt8]

        package var text: String { String(decoding: body, as: UTF8.self) }

        package func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    package struct ConnectionClosed: Error {}

    private let channel: any Channel
    private let collector: NIOLoopBound<ResponseCollector>
    private let host: String

    private init(channel: any Channel, collector: NIOLoopBound<ResponseCollector>, host: String) {
        self.channel = channel
        self.collector = collector
        self.host = host
    }

    package static func connect(
        host: String,
        port: Int,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws
        -> HTTPClientConnection
    {
        let (channel, collector) = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    let collector = ResponseCollector()
                    try channel.pipeline.syncOperations.addHandler(collector)
                    return (channel, NIOLoopBound(collector, eventLoop: channel.eventLoop))
                }
            }
        return HTTPClientConnection(channel: channel, collector: collector, host: "\(host):\(port)")
    }

    /// Sends one request and waits for its whole response.
    package func request(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> Response {
        try await send(method, path, headers: headers, body: body).get()
    }

    /// Sends one request without waiting; the future completes with its response.
    package func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) -> EventLoopFuture<Response> {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        for (name, value) in headers {
            // A caller's own Host (a test of DNS rebinding) replaces the default one.
            if name.lowercased() == "host" {
                head.headers.replaceOrAdd(name: "Host", value: value)
            } else {
                head.headers.add(name: name, value: value)
            }
        }
        if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count)) }
        let requestHead = head
        let channel = self.channel
        let collector = self.collector
        return channel.eventLoop.flatSubmit {
            let promise = channel.eventLoop.makePromise(of: Response.self)
            guard channel.isActive else {
                promise.fail(ConnectionClosed())
                return promise.futureResult
            }
            collector.value.waiting.append(promise)
            channel.write(HTTPClientRequestPart.head(requestHead), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return promise.futureResult
        }
    }

    package func close() async {
        try? await channel.close()
    }
}

/// Collects response parts and completes the oldest waiting request. Confined to the channel's event loop.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    var waiting = CircularBuffer<EventLoopPromise<HTTPClientConnection.Response>>()
    private var status = 0
    private var headers: [(String, String)] = []
    private var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            headers = head.headers.map { ($0.name, $0.value) }
            body = []
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            let response = HTTPClientConnection.Response(status: status, headers: headers, body: body)
            waiting.popFirst()?.succeed(response)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let promise = waiting.popFirst() { promise.fail(HTTPClientConnection.ConnectionClosed()) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        while let promise = waiting.popFirst() { promise.fail(error) }
        context.close(promise: nil)
    }
}

/// Opens a connection for one request and closes it again: convenient in tests.
package func httpRequest(
    _ method: HTTPMethod,
    host: String = "127.0.0.1",
    port: Int,
    _ path: String,
    headers: [(String, String)] = [],
    body: [UInt8]? = nil
) async throws -> HTTPClientConnection.Response {
    let connection = try await HTTPClientConnection.connect(host: host, port: port)
    do {
        let response = try await connection.request(method, path, headers: headers, body: body)
        await connection.close()
        return response
    } catch {
        await connection.close()
        throw error
    }
}
