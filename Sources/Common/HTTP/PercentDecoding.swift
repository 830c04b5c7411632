/// `application/x-www-form-urlencoded` decoding of one name or value: `+` is a space and `%XX` a byte.
/// Shared by the query parser and the webhook form decoder, so both read escapes the same way.
package enum PercentDecoding {
    /// The decoded bytes, or `nil` when an escape is broken (`%`, `%4`, `%zz`).
    package static func decode(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "+"):
                output.append(0x20)
            case UInt8(ascii: "%"):
                guard index != bytes.endIndex else { return nil }
                let high = bytes[index]
                bytes.formIndex(after: &index)
                guard index != bytes.endIndex, let value = hexByte(high, bytes[index]) else { return nil }
                bytes.formIndex(after: &index)
                output.append(value)
            default:
                output.append(byte)
            }
        }
        return output
    }

    /// The byte two hex digits spell, or `nil`.
    package static func hexByte(_ high: UInt8, _ low: UInt8) -> UInt8? {
        guard let high = hexValue(high), let low = hexValue(low) else { return nil }
        return high << 4 | low
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
