import Synchronization

/// Totals shared by every benchmark connection. Counters add once per read, never per byte or frame, so that
/// many connections on a few event loops do not contend on them.
final class BenchTotals: Sendable {
    /// Events received (WebSocket text frames whose payload is an envelope, or SSE events with an `id:`).
    let events = Atomic<Int>(0)
    /// Of ``events``, the WebSocket frames that came compressed (RSV1 set, permessage-deflate).
    let compressedEvents = Atomic<Int>(0)
    /// Control messages received: the first one (`live`) tells that a stream is live.
    let controls = Atomic<Int>(0)
    /// Bytes received after the handshake or response head: frame headers, payloads, SSE field names and pings.
    let wireBytes = Atomic<Int>(0)
    /// WebSocket connections whose 101 accepted permessage-deflate.
    let deflateNegotiated = Atomic<Int>(0)
    let closed = Atomic<Int>(0)
    private let latencies = Mutex<[Int64]>([])

    func record(latencies batch: [Int64]) {
        guard !batch.isEmpty else { return }
        latencies.withLock { $0.append(contentsOf: batch) }
    }

    func takeLatencies() -> [Int64] {
        latencies.withLock { $0 }
    }
}

extension Atomic where Value == Int {
    /// Adds what one connection counted since its last read completed, and starts its count over.
    func add(draining pending: inout Int) {
        guard pending > 0 else { return }
        add(pending, ordering: .relaxed)
        pending = 0
    }
}
