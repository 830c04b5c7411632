import CZlib

/// Inflates one permessage-deflate message (RFC 7692 §7.2.2: the sender removed the sync flush's `00 00 ff ff`,
/// the receiver puts it back), for tests that check what the gateway compressed. The output is bounded: a
/// message that would inflate past `limit` bytes is an error, never an allocation the size of a bomb.
package enum RawInflate {
    package static func message(_ compressed: [UInt8], limit: Int = 16 << 20) throws -> [UInt8] {
        var stream = z_stream()
        guard mandrill_inflate_init_raw(&stream, 15) == Z_OK else { throw TestSupportError("inflateInit2 failed") }
        defer { inflateEnd(&stream) }
        var input = compressed + [0x00, 0x00, 0xFF, 0xFF]
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let (result, produced): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    let result = inflate(&stream, Z_SYNC_FLUSH)
                    return (result, target.count - Int(stream.avail_out))
                }
                output += chunk[..<produced]
                if output.count > limit { return Z_MEM_ERROR }
                if result == Z_STREAM_END { return Z_OK }
                guard result == Z_OK || result == Z_BUF_ERROR else { return result }
                if stream.avail_in == 0, produced < chunk.count { return Z_OK }
                if result == Z_BUF_ERROR, produced == 0 { return Z_DATA_ERROR }
            }
        }
        guard status == Z_OK else { throw TestSupportError("inflate failed (\(status)) after \(output.count) bytes") }
        return output
    }
}
