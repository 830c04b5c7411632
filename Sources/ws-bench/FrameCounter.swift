import Common
import NIOCore
import Synchronization

/// Reads server frames straight from the socket bytes without building frame objects: a header parser that
/// counts text frames, answers pings, and (optionally) reads the `bench_ts` publish time near the start of
/// each payload. Cheap enough that the client is not what limits the measurement (see `ws-bench selftest`).
///
/// With permessage-deflate, event frames come compressed (RSV1 set) and are counted without being inflated:
/// the gateway never compresses control messages, so a compressed text frame is always an event. Their
/// `bench_ts` is out of reach, so latency is measured on plain frames only.
final class FrameCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let totals: BenchTotals
    private let measureLatency: Bool
    private var header: [UInt8] = []
    private var opcode: UInt8 = 0
    /// RSV1 of the current frame: its payload is compressed.
    private var compressed = false
    private var remaining = 0
    /// The first bytes of the current payload: enough to tell events from control messages and find `bench_ts`.
    private var prefix: [UInt8] = []
    private static let prefixLimit = 256
    private var pendingEvents = 0
    private var pendingCompressed = 0
    private var pendingBytes = 0
    private var pendingLatencies: [Int64] = []
    private static let timestampKey = Array(#""bench_ts":"#.utf8)
    private static let eventStart = Array(#"{"id""#.utf8)

    init(totals: BenchTotals, measureLatency: Bool) {
        self.totals = totals
        self.measureLatency = measureLatency
        header.reserveCapacity(10)
        prefix.reserveCapacity(Self.prefixLimit)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        pendingBytes += buffer.readableBytes
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                if remaining == 0 && header.count < headerLength {
                    header.append(bytes[index])
                    index += 1
                    if header.count == headerLength { beginPayload(context: context) }
                    continue
                }
                let take = min(remaining, bytes.count - index)
                // A compressed payload's bytes say nothing readable: only plain ones are kept.
                if !compressed && prefix.count < Self.prefixLimit {
                    let keep = min(take, Self.prefixLimit - prefix.count)
                    prefix.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + keep)]))
                }
                remaining -= take
                index += take
                if remaining == 0 { endFrame(context: context) }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        totals.events.add(draining: &pendingEvents)
        totals.compressedEvents.add(draining: &pendingCompressed)
        totals.wireBytes.add(draining: &pendingBytes)
        if !pendingLatencies.isEmpty {
            totals.record(latencies: pendingLatencies)
            pendingLatencies.removeAll(keepingCapacity: true)
        }
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        totals.closed.add(1, ordering: .relaxed)
    }

    /// Bytes of header needed so far: 2, then 4 or 10 once the length byte is known.
    private var headerLength: Int {
        guard header.count >= 2 else { return 2 }
        switch header[1] & 0x7F {
        case 126: return 4
        case 127: return 10
        default: return 2
        }
    }

    private func beginPayload(context: ChannelHandlerContext) {
        opcode = header[0] & 0x0F
        compressed = header[0] & 0x40 != 0
        let length7 = Int(header[1] & 0x7F)
        switch length7 {
        case 126: remaining = Int(header[2]) << 8 | Int(header[3])
        case 127: remaining = header[2...].reduce(0) { $0 << 8 | Int($1) }
        default: remaining = length7
        }
        header.removeAll(keepingCapacity: true)
        prefix.removeAll(keepingCapacity: true)
        if remaining == 0 { endFrame(context: context) }
    }

    private func endFrame(context: ChannelHandlerContext) {
        switch opcode {
        case 0x1 where compressed:
            pendingEvents += 1
            pendingCompressed += 1
        case 0x1:
            if prefix.starts(with: Self.eventStart) {
                pendingEvents += 1
                if measureLatency, let sent = timestamp() {
                    pendingLatencies.append(WallClock.nanoseconds() - sent)
                }
            } else {
                totals.controls.add(1, ordering: .relaxed)
            }
        case 0x9:
            // Pong with an empty payload, masked as clients must.
            context.write(wrapOutboundOut(ByteBuffer(bytes: [0x8A, 0x80, 0, 0, 0, 0])), promise: nil)
        default:
            break
        }
        prefix.removeAll(keepingCapacity: true)
    }

    /// The `bench_ts` value in the payload's first bytes. A plain byte search: the standard library's generic
    /// `firstRange(of:)` cost more than everything else the client does per frame, and the client shares the
    /// machine with the gateway it measures.
    private func timestamp() -> Int64? {
        let key = Self.timestampKey
        guard prefix.count >= key.count,
            let start = (0...(prefix.count - key.count)).first(where: { start in
                prefix[start] == key[0] && (1..<key.count).allSatisfy { prefix[start + $0] == key[$0] }
            })
        else { return nil }
        var value: Int64 = 0
        var index = start + key.count
        while index < prefix.count, prefix[index] >= 48, prefix[index] <= 57 {
            value = value * 10 + Int64(prefix[index] - 48)
            index += 1
        }
        return value
    }
}
