import Foundation
import NIOCore
import Synchronization

/// Reads one `GET /sse/email/` response straight from the socket bytes: checks the response head, then counts
/// events by their framing without decoding them, the SSE counterpart of ``FrameCounter``.
///
/// The gateway writes each event as `id: <stream id>\ndata: <envelope>\n\n`, control messages as
/// `event: control\ndata: …\n\n`, and `: ping\n\n` comments. A block ends at an empty line, and its first byte
/// says what it is: `i` an event, `e` a control message, `:` a comment. So the counter only looks for line
/// feeds (with `memchr`, which skips a kilobyte of envelope in a few vector steps) and at the byte after each:
/// about as cheap per event as reading a WebSocket frame header, so the client is not what limits the
/// measurement (see `ws-bench selftest --sse`).
final class SSECounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Block {
        case none
        case event
        case control
        /// A comment, or a field this counter does not count.
        case other
    }

    private let request: ByteBuffer
    private let totals: BenchTotals
    /// Succeeds with the `200` head, fails on any other answer; `nil` once the head was read.
    private var headPromise: EventLoopPromise<Void>?
    private var head: [UInt8] = []
    private static let headEnd = Array("\r\n\r\n".utf8)
    private static let lineFeed = UInt8(ascii: "\n")
    /// The previous byte ended a line (or the body just began).
    private var atLineStart = true
    private var block = Block.none
    private var pendingEvents = 0
    private var pendingControls = 0
    private var pendingBytes = 0

    init(host: String, path: String, headers: [(String, String)], totals: BenchTotals, headPromise: EventLoopPromise<Void>) {
        var text = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        self.request = ByteBuffer(string: text + "\r\n")
        self.totals = totals
        self.headPromise = headPromise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard headPromise == nil else {
            readHead(buffer, context: context)
            return
        }
        pendingBytes += buffer.readableBytes
        buffer.withUnsafeReadableBytes(count)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        totals.events.add(draining: &pendingEvents)
        totals.controls.add(draining: &pendingControls)
        totals.wireBytes.add(draining: &pendingBytes)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let headPromise {
            self.headPromise = nil
            headPromise.fail(BenchError("the SSE connection closed before its response head"))
        }
        totals.closed.add(1, ordering: .relaxed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        headPromise?.fail(error)
        headPromise = nil
        context.close(promise: nil)
    }

    /// Collects the response head; body bytes that came with it are counted at once.
    private func readHead(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        head.append(contentsOf: buffer.readableBytesView)
        guard let end = head.firstRange(of: Self.headEnd), let headPromise else {
            if head.count > 16 << 10 { fail("a response head over 16 KiB", context: context) }
            return
        }
        let statusLine = String(decoding: head[..<(head.firstIndex(of: UInt8(ascii: "\r")) ?? end.lowerBound)], as: UTF8.self)
        guard statusLine.split(separator: " ").dropFirst().first == "200" else {
            fail("the SSE request was refused: \(statusLine) \(String(decoding: head[end.upperBound...], as: UTF8.self))", context: context)
            return
        }
        self.headPromise = nil
        let body = Array(head[end.upperBound...])
        head = []
        pendingBytes += body.count
        body.withUnsafeBytes(count)
        headPromise.succeed()
    }

    private func fail(_ message: String, context: ChannelHandlerContext) {
        headPromise?.fail(BenchError(message))
        headPromise = nil
        context.close(promise: nil)
    }

    /// Advances the framing over `bytes`: one `memchr` per line, one look at the byte after each line feed.
    private func count(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var index = 0
        while index < bytes.count {
            if atLineStart {
                let byte = bytes[index]
                if byte == Self.lineFeed {
                    endBlock()
                    index += 1
                    continue
                }
                if case .none = block { block = Self.block(startingWith: byte) }
                atLineStart = false
            }
            guard let lineEnd = memchr(base + index, Int32(Self.lineFeed), bytes.count - index) else { return }
            index = base.distance(to: UnsafeRawPointer(lineEnd)) + 1
            atLineStart = true
        }
    }

    private func endBlock() {
        switch block {
        case .event: pendingEvents += 1
        case .control: pendingControls += 1
        case .none, .other: break
        }
        block = .none
    }

    private static func block(startingWith byte: UInt8) -> Block {
        switch byte {
        case UInt8(ascii: "i"): .event
        case UInt8(ascii: "e"): .control
        default: .other
        }
    }
}
