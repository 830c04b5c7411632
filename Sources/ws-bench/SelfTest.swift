import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// Checks that the load generator is not the bottleneck: a trivial in-process server answers the handshake and
/// sends pre-encoded frames as fast as the socket takes them; the clients' receive rate is the ceiling of any
/// gateway measurement made with the same client settings.
struct SelfTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "selftest", abstract: "The client's own ceiling, against a trivial sender.")

    @Option(help: "Client connections.") var clients = 1000
    @Option(help: "Frames each client receives.") var frames = 2000
    @Option(help: "Frame payload size in bytes.") var payloadBytes = 1024
    @Option(help: "Event loops for the clients.") var clientThreads = 1

    func run() async throws {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let frame = trivialFrame(payloadBytes: payloadBytes)
        let count = frames
        let server = try await ServerBootstrap(group: serverGroup)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(TrivialSender(frame: frame, count: count)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress?.port ?? 0
        let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
        let started = ContinuousClock.now
        let bench = try await BenchClients.open(count: clients, host: "127.0.0.1", port: port, path: "/", measureLatency: false, group: group)
        let expected = clients * frames
        while bench.totals.events.load(ordering: .relaxed) < expected {
            try await Task.sleep(for: .milliseconds(2))
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        report([
            ("mode", "selftest"), ("clients", "\(clients)"), ("frames_received", "\(expected)"), ("seconds", String(format: "%.3f", seconds)),
            ("client_frames_per_second", String(format: "%.0f", Double(expected) / seconds)),
        ])
        await bench.close()
        try await server.close()
        try await group.shutdownGracefully()
        try await serverGroup.shutdownGracefully()
    }

    private func trivialFrame(payloadBytes: Int) -> ByteBuffer {
        let payload =
            Array(#"{"id":"1-1","type":"send","email":"","event":{"p":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: payloadBytes)
            + Array(#""}}"#.utf8)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x81))
        buffer.writeInteger(UInt8(126))
        buffer.writeInteger(UInt16(payload.count))
        buffer.writeBytes(payload)
        return buffer
    }
}

/// Answers the handshake with a proper 101 and then writes `count` pre-encoded frames as fast as the socket takes them.
final class TrivialSender: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let frame: ByteBuffer
    private let count: Int
    private var request: [UInt8] = []
    private var upgraded = false

    init(frame: ByteBuffer, count: Int) {
        self.frame = frame
        self.count = count
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !upgraded else { return }
        request.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        guard let text = String(bytes: request, encoding: .utf8), text.contains("\r\n\r\n") else { return }
        upgraded = true
        let key =
            text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }.map {
                $0.dropFirst(18).trimmingCharacters(in: .whitespaces)
            } ?? ""
        let response =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(webSocketAccept(key))\r\n\r\n"
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
