/// A view of one value inside already validated JSON bytes. Reading never re-encodes anything: the raw bytes of
/// a value stay available, and strings are decoded only when asked for.
package struct RawJSON: Sendable {
    package enum Kind: Sendable, Equatable {
        case object
        case array
        case string
        case number
        case bool
        case null
    }

    package let bytes: [UInt8]
    package let range: Range<Int>

    /// - Precondition: `bytes[range]` is one valid JSON value (see ``JSONValidator``), possibly padded with whitespace.
    package init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, bytes[lower].isJSONWhitespace { lower += 1 }
        while upper > lower, bytes[upper - 1].isJSONWhitespace { upper -= 1 }
        self.range = lower..<upper
    }

    package init(validated bytes: [UInt8]) {
        self.init(bytes: bytes, range: 0..<bytes.count)
    }

    package var kind: Kind {
        guard let first = range.isEmpty ? nil : bytes[range.lowerBound] else { return .null }
        switch first {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: return .number
        }
    }

    /// The value's bytes exactly as sent.
    package var rawBytes: ArraySlice<UInt8> { bytes[range] }

    /// The members of an object, in document order; empty for anything else.
    package var members: [(key: String, value: RawJSON)] {
        guard kind == .object else { return [] }
        var result: [(key: String, value: RawJSON)] = []
        var scanner = Scanner(bytes: bytes, index: range.lowerBound + 1)
        while true {
            scanner.skipWhitespace()
            guard scanner.index < range.upperBound, bytes[scanner.index] == UInt8(ascii: "\"") else { return result }
            let keyStart = scanner.index
            scanner.skipValue()
            let key = RawJSON(bytes: bytes, range: keyStart..<scanner.index).string ?? ""
            scanner.skipWhitespace()
            scanner.index += 1  // ':'
            scanner.skipWhitespace()
            let valueStart = scanner.index
            scanner.skipValue()
            result.append((key, RawJSON(bytes: bytes, range: valueStart..<scanner.index)))
            scanner.skipWhitespace()
            scanner.index += 1  // ',' or '}'
        }
    }

    /// The elements of an array; empty for anything else.
    package var elements: [RawJSON] {
        guard kind == .array else { return [] }
        var result: [RawJSON] = []
        var scanner = Scanner(bytes: bytes, index: range.lowerBound + 1)
        while true {
            scanner.skipWhitespace()
            guard scanner.index < range.upperBound - 1 else { return result }
            let start = scanner.index
            scanner.skipValue()
            result.append(RawJSON(bytes: bytes, range: start..<scanner.index))
            scanner.skipWhitespace()
            scanner.index += 1  // ',' or ']'
        }
    }

    /// The first member named `key` of an object.
    package subscript(key: String) -> RawJSON? {
        members.first { $0.key == key }?.value
    }

    /// The decoded text of a string value; `nil` for other kinds.
    package var string: String? {
        guard kind == .string else { return nil }
        let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
        if !bytes[inner].contains(UInt8(ascii: "\\")) {
            return String(decoding: bytes[inner], as: UTF8.self)
        }
        return Self.unescape(bytes[inner])
    }

    /// Text for strings, the literal digits for numbers (never rounded), `nil` otherwise.
    package var scalarText: String? {
        switch kind {
        case .string: string
        case .number, .bool: String(decoding: rawBytes, as: UTF8.self)
        default: nil
        }
    }

    private static func unescape(_ bytes: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        var pendingHighSurrogate: UInt16?
        func hex4(_ at: Int) -> UInt16 {
            var value: UInt16 = 0
            for offset in 0..<4 {
                let byte = bytes[at + offset]
                let digit: UInt8 =
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
                    default: byte - UInt8(ascii: "A") + 10
                    }
                value = value << 4 | UInt16(digit)
            }
            return value
        }
        func appendScalar(_ value: UInt32) {
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            output.append(contentsOf: String(Character(scalar)).utf8)
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                if let high = pendingHighSurrogate {
                    appendScalar(UInt32(high))
                    pendingHighSurrogate = nil
                }
                output.append(byte)
                index += 1
                continue
            }
            let escaped = bytes[index + 1]
            index += 2
            if escaped == UInt8(ascii: "u") {
                let unit = hex4(index)
                index += 4
                if let high = pendingHighSurrogate {
                    pendingHighSurrogate = nil
                    if (0xDC00...0xDFFF).contains(unit) {
                        appendScalar(0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00))
                        continue
                    }
                    appendScalar(UInt32(high))
                }
                if (0xD800...0xDBFF).contains(unit) {
                    pendingHighSurrogate = unit
                } else {
                    appendScalar(UInt32(unit))
                }
                continue
            }
            if let high = pendingHighSurrogate {
                appendScalar(UInt32(high))
                pendingHighSurrogate = nil
            }
            switch escaped {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            default: output.append(escaped)  // " \ /
            }
        }
        if let high = pendingHighSurrogate { appendScalar(UInt32(high)) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Skips over values in validated JSON without building anything.
    private struct Scanner {
        let bytes: [UInt8]
        var index: Int

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index].isJSONWhitespace { index += 1 }
        }

        mutating func skipValue() {
            guard index < bytes.count else { return }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\") {
                        index += 2
                    } else {
                        index += 1
                        if byte == UInt8(ascii: "\"") { return }
                    }
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") {
                        skipValue()
                        continue
                    }
                    index += 1
                    if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                        depth += 1
                    } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { return }
                    }
                }
            default:
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return
                    default: index += 1
                    }
                }
            }
        }
    }
}

extension UInt8 {
    var isJSONWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}
