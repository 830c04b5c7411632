import Hummingbird
import NIOCore
import Synchronization

/// Reads one webhook body into a single buffer, within a size limit and a time limit.
///
/// The buffer is sized from `Content-Length` up front (no doubling copies) and is decoded in place afterwards
/// (see ``Common/FormBody``), so a body costs its own size once. A body larger than the limit, or one that has
/// not fully arrived when the time limit passes (a stalled or trickling client), stops the connection's input:
/// the rest is never read, the client gets 413 or 408, and the connection closes after that answer.
struct WebhookBodyReader: Sendable {
    let maxBytes: Int
    /// Holds the time limit (see ``BodyDeadlines``).
    let deadlines: BodyDeadlines

    func read(_ request: Request, channel: any Channel, expectedLength: Int?) async throws(APIError) -> [UInt8] {
        let expired = ExpiryFlag()
        let deadline = deadlines.register {
            expired.set()
            Self.stopInput(of: channel)
        }
        defer { deadlines.remove(deadline) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(expectedLength ?? 64 * 1024, maxBytes))
        do {
            for try await chunk in request.body {
                guard bytes.count + chunk.readableBytes <= maxBytes else {
                    Self.stopInput(of: channel)
                    throw APIError(status: .contentTooLarge, message: "body larger than \(maxBytes) bytes")
                }
                chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
            }
        } catch let error as APIError {
            throw error
        } catch {
            if expired.isSet { throw Self.timedOut(deadlines.timeout) }
            throw APIError(status: .badRequest, message: "the request body could not be read")
        }
        if expired.isSet { throw Self.timedOut(deadlines.timeout) }
        if let expectedLength, bytes.count != expectedLength {
            throw APIError(status: .badRequest, message: "the request body ended before its Content-Length")
        }
        return bytes
    }

    private static func timedOut(_ timeout: Duration) -> APIError {
        APIError(status: .requestTimeout, message: "the request body did not arrive within \(timeout)", headers: [.connection: "close"])
    }

    /// Stops reading from the client: what it still sends is discarded, and Hummingbird closes the connection
    /// once the answer is written. Where the socket cannot close only its input, the whole connection closes.
    static func stopInput(of channel: any Channel) {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenFailure { error in
            // Already stopped (a second call): nothing to do.
            if let error = error as? ChannelError, error == .inputClosed { return }
            channel.close(promise: nil)
        }
        channel.close(mode: .input, promise: promise)
    }
}

/// Set once by the sweep of ``BodyDeadlines``, read by the request's task.
private final class ExpiryFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
