import NIOCore

/// Sits next to the socket (first in the pipeline) so that pre-encoded frames written through its context reach
/// the socket directly, skipping `WebSocketFrameEncoder` (whose input type is `WebSocketFrame`, not bytes).
/// Inbound bytes pass through untouched to the frame decoder.
final class RawFrameWriter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var context: ChannelHandlerContext?
    /// The channel's writability, kept from `channelWritabilityChanged`: cheaper to read per frame than the
    /// channel's atomic flag, and only read on the loop.
    private(set) var isWritable = true

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        context.fireChannelWritabilityChanged()
    }

    /// Queues frame bytes; nothing reaches the socket until ``flush()``.
    func write(_ frame: ByteBuffer) {
        context?.write(NIOAny(frame), promise: nil)
    }

    func write(_ frame: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(NIOAny(frame), promise: promise)
    }

    func flush() {
        context?.flush()
    }
}
