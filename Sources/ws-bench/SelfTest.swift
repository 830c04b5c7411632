import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NetClients
import Synchronization

/// Checks that the load generator is not the bottleneck: a trivial in-process server answers the handshake and
/// sends pre-encoded frames as fast as the socket takes them; the clients' receive rate is the ceiling of any
/// gateway measurement made with the same client settings. With `--sse`, the same for the SSE client: the sender
/// answers 200 and writes events framed as the gateway frames them.
struct SelfTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "selftest", abstract: "The client's own ceiling, against a trivial sender.")

    @Option(help: "Client connections.") var clients = 1000
    @Option(help: "Frames each client receives.") var frames = 2000
    @Option(help: "Frame payload size in bytes.") var payloadBytes = 1024
    @Option(help: "Event loops for the clients.") var clientThreads = 1
    @Flag(help: "Measure the Server-Sent Events client instead of the WebSocket one.") var sse = false

    func run() async throws {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let frame = sse ? trivialEvent(payloadBytes: payloadBytes) : trivialFrame(payloadBytes: payloadBytes)
        let count = frames
        let sse = sse
        let server = try await ServerBootstrap(group: serverGroup)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TrivialSender(frame: frame, count: count, sse: sse))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress?.port ?? 0
        let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
        let started = ContinuousClock.now
        let bench = try await BenchClients.open(
            count: clients,
            host: "127.0.0.1",
            port: port,
            path: "/",
            measureLatency: false,
            group: group,
            transport: sse ? .sse : .webSocket(offerDeflate: false)
        )
        let expected = clients * frames
        while bench.totals.events.load(ordering: .relaxed) < expected {
            try await Task.sleep(for: .milliseconds(2))
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        report([
            ("mode", "selftest"), ("transport", sse ? "sse" : "websocket"), ("clients", "\(clients)"), ("frames_received", "\(expected)"),
            ("seconds", String(format: "%.3f", seconds)),
            ("client_frames_per_second", String(format: "%.0f", Double(expected) / seconds)),
        ])
        await bench.close()
        try await server.close()
        try await group.shutdownGracefully()
        try await serverGroup.shutdownGracefully()
    }

    private func trivialPayload(payloadBytes: Int) -> [UInt8] {
        Array(#"{"id":"1-1","type":"send","email":"","event":{"p":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: payloadBytes)
            + Array(#""}}"#.utf8)
    }

    private func trivialFrame(payloadBytes: Int) -> ByteBuffer {
        let payload = trivialPayload(payloadBytes: payloadBytes)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x81))
        buffer.writeInteger(UInt8(126))
        buffer.writeInteger(UInt16(payload.count))
        buffer.writeBytes(payload)
        return buffer
    }

    /// The SSE event the gateway would write for the same payload.
    private func trivialEvent(payloadBytes: Int) -> ByteBuffer {
        var buffer = ByteBuffer(string: "id: 1-1\ndata: ")
        buffer.writeBytes(trivialPayload(payloadBytes: payloadBytes))
        buffer.writeString("\n\n")
        return buffer
    }
}

/// Answers the handshake with a proper 101 (or, for SSE, the request with a 200 event stream) and then writes
/// `count` pre-encoded frames as fast as the socket takes them.
final class TrivialSender: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let frame: ByteBuffer
    private let count: Int
    private let sse: Bool
    private var request: [UInt8] = []
    private var upgraded = false

    init(frame: ByteBuffer, count: Int, sse: Bool) {
        self.frame = frame
        self.count = count
        self.sse = sse
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !upgraded else { return }
        request.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        guard let text = String(bytes: request, encoding: .utf8), text.contains("\r\n\r\n") else { return }
        upgraded = true
        guard !sse else {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nConnection: close\r\n\r\n"
            let live = "event: control\ndata: {\"control\":\"live\",\"last_id\":null}\n\n"
            context.write(wrapOutboundOut(ByteBuffer(string: head + live)), promise: nil)
            send(context: context, remaining: count)
            return
        }
        let key =
            text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }.map {
                $0.dropFirst(18).trimmingCharacters(in: .whitespaces)
            } ?? ""
        let response =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(WebSocketKey.accept(for: key))\r\n\r\n"
        context.write(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
        // A control message first, as the gateway sends, so that the client counts the stream as live.
        var live = ByteBuffer()
        let control = Array(#"{"control":"live","last_id":null}"#.utf8)
        live.writeInteger(UInt8(0x81))
        live.writeInteger(UInt8(control.count))
        live.writeBytes(control)
        context.write(wrapOutboundOut(live), promise: nil)
        send(context: context, remaining: count)
    }

    private var left = 0

    private func send(context: ChannelHandlerContext, remaining: Int) {
        left = remaining
        sendWhileWritable(context: context)
    }

    /// Writes until the socket's buffer is full; `channelWritabilityChanged` resumes.
    private func sendWhileWritable(context: ChannelHandlerContext) {
        while left > 0 && context.channel.isWritable {
            context.write(wrapOutboundOut(frame), promise: nil)
            left -= 1
        }
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { sendWhileWritable(context: context) }
    }
}
