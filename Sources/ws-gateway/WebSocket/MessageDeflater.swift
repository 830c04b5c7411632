import CZlib
import Synchronization

/// Compresses one message for permessage-deflate (RFC 7692 §7.2.1): raw DEFLATE, ended with a sync flush whose
/// empty stored block (`00 00 ff ff`) is removed. Every message starts from a reset stream, so no message refers
/// to an earlier one: that is `server_no_context_takeover`, and it is what lets one compressed frame go to every
/// client, whatever it received before.
///
/// zlib allocates about 256 KiB per stream, so streams are reused from a small pool instead of being set up per
/// event; the pool's lock is held only to take or return one. Publications are built on the Redis thread (live
/// events) and on the event loops (replays), so more than one may be compressing at a time.
///
/// `@unchecked Sendable`: a deflater is used by one thread at a time, the one that took it out of the pool (or
/// made it); the pool's mutex orders the hand-over between threads.
final class MessageDeflater: @unchecked Sendable {
    private var stream = z_stream()

    private init?() {
        guard mandrill_deflate_init_raw(&stream, Z_DEFAULT_COMPRESSION, 15) == Z_OK else { return nil }
    }

    deinit {
        deflateEnd(&stream)
    }

    /// The compressed payload of one message; `nil` if zlib failed (the caller sends the message plain).
    func compress(_ input: [UInt8]) -> [UInt8]? {
        guard deflateReset(&stream) == Z_OK else { return nil }
        // A sync flush may add a few bytes past deflateBound; the loop below grows the buffer if ever needed.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
        var produced = 0
        let status: Int32 = input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                let result: Int32 = output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress! + produced
                    stream.avail_out = uInt(target.count - produced)
                    let result = deflate(&stream, Z_SYNC_FLUSH)
                    produced = target.count - Int(stream.avail_out)
                    return result
                }
                guard result == Z_OK || result == Z_BUF_ERROR else { return result }
                // Done once all input was taken and the flush fit: zlib left room in the output.
                if stream.avail_in == 0, stream.avail_out > 0 { return Z_OK }
                output.append(contentsOf: repeatElement(0, count: max(64, output.count / 2)))
            }
        }
        stream.next_in = nil
        stream.next_out = nil
        guard status == Z_OK, produced >= 4, output[produced - 4..<produced].elementsEqual([0x00, 0x00, 0xFF, 0xFF]) else { return nil }
        output.removeSubrange((produced - 4)...)
        return output
    }

    /// Streams not in use; a few suffice (one per thread compressing at the same moment).
    private static let pool = Mutex<[MessageDeflater]>([])
    private static let poolLimit = 8

    /// Compresses with a pooled stream.
    static func compress(_ input: [UInt8]) -> [UInt8]? {
        guard let deflater = pool.withLock({ $0.popLast() }) ?? MessageDeflater() else { return nil }
        let compressed = deflater.compress(input)
        pool.withLock { streams in
            if streams.count < poolLimit { streams.append(deflater) }
        }
        return compressed
    }
}
