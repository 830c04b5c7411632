/// A strict RFC 8259 validator that also reports where each element of a top-level array lies.
///
/// We keep every event exactly as Mandrill sent it (no re-encoding, so no rounded numbers or reordered keys),
/// which is why the batch is validated and split here rather than decoded into Swift values.
package struct JSONValidator {
    private static let maximumDepth = 256

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Validates `bytes` as a JSON array whose elements are all objects and returns each element's byte range.
    package static func objectRangesInArray(_ bytes: [UInt8]) throws(JSONError) -> [Range<Int>] {
        try objectRangesInArray(bytes, in: 0..<bytes.count)
    }

    /// The same for the JSON at `range` of `bytes`; the ranges returned are indices of `bytes`.
    package static func objectRangesInArray(_ bytes: [UInt8], in range: Range<Int>) throws(JSONError) -> [Range<Int>] {
        try bytes.withUnsafeBytes { whole in
            var validator = JSONValidator(UnsafeRawBufferPointer(rebasing: whole[range]))
            return Result { () throws(JSONError) in
                try validator.parseTopLevelArrayOfObjects().map { ($0.lowerBound + range.lowerBound)..<($0.upperBound + range.lowerBound) }
            }
        }.get()
    }

    /// Validates that `bytes` is exactly one JSON value, in UTF-8.
    ///
    /// The UTF-8 check matters for what comes back from Redis (anyone with access can write there): an envelope is
    /// sent to browsers as a WebSocket text frame, and a text frame that is not UTF-8 makes them drop the
    /// connection. Batches need no such pass: they come from a form value already checked by ``FormBody``.
    package static func validate(_ bytes: [UInt8]) throws(JSONError) {
        guard (try? UTF8Span(validating: bytes.span)) != nil else { throw JSONError("not valid UTF-8", at: 0) }
        try bytes.withUnsafeBytes { buffer in
            var validator = JSONValidator(buffer)
            return Result { () throws(JSONError) in
                validator.skipWhitespace()
                try validator.parseValue(depth: 0)
                validator.skipWhitespace()
                guard validator.index == buffer.count else { throw JSONError("unexpected data after the JSON value", at: validator.index) }
            }
        }.get()
    }

    private mutating func parseTopLevelArrayOfObjects() throws(JSONError) -> [Range<Int>] {
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { throw JSONError("expected a JSON array", at: index) }
        index += 1
        var ranges: [Range<Int>] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "{") else { throw JSONError("expected every array element to be an object", at: index) }
                let start = index
                try parseValue(depth: 1)
                ranges.append(start..<index)
                skipWhitespace()
                guard let byte = next() else { throw JSONError("unterminated array", at: index) }
                if byte == UInt8(ascii: "]") { break }
                guard byte == UInt8(ascii: ",") else { throw JSONError("expected ',' or ']'", at: index - 1) }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw JSONError("unexpected data after the array", at: index) }
        return ranges
    }

    private mutating func parseValue(depth: Int) throws(JSONError) {
        guard depth < Self.maximumDepth else { throw JSONError("nesting too deep", at: index) }
        guard let byte = peek() else { throw JSONError("unexpected end of JSON", at: index) }
        switch byte {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw JSONError("expected an object key", at: index) }
                try parseString()
                skipWhitespace()
                guard next() == UInt8(ascii: ":") else { throw JSONError("expected ':'", at: index - 1) }
                skipWhitespace()
                try parseValue(depth: depth + 1)
                skipWhitespace()
                guard let separator = next() else { throw JSONError("unterminated object", at: index) }
                if separator == UInt8(ascii: "}") { return }
                guard separator == UInt8(ascii: ",") else { throw JSONError("expected ',' or '}'", at: index - 1) }
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try parseValue(depth: depth + 1)
                skipWhitespace()
                guard let separator = next() else { throw JSONError("unterminated array", at: index) }
                if separator == UInt8(ascii: "]") { return }
                guard separator == UInt8(ascii: ",") else { throw JSONError("expected ',' or ']'", at: index - 1) }
            }
        case UInt8(ascii: "\""):
            try parseString()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
        case UInt8(ascii: "f"):
            try expectLiteral("false")
        case UInt8(ascii: "n"):
            try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try parseNumber()
        default:
            throw JSONError("unexpected character", at: index)
        }
    }

    private mutating func parseString() throws(JSONError) {
        let start = index
        index += 1  // opening quote
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return
            case UInt8(ascii: "\\"):
                guard let escaped = next() else { break }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    for _ in 0..<4 {
                        guard let hex = next(), hex.isHexDigit else { throw JSONError("invalid \\u escape", at: index - 1) }
                    }
                default:
                    throw JSONError("invalid escape", at: index - 1)
                }
            case 0..<0x20:
                throw JSONError("control character in string", at: index - 1)
            default:
                continue
            }
        }
        throw JSONError("unterminated string", at: start)
    }

    private mutating func parseNumber() throws(JSONError) {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first.isDigit else { throw JSONError("invalid number", at: start) }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard peek()?.isDigit == true else { throw JSONError("invalid number", at: start) }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard peek()?.isDigit == true else { throw JSONError("invalid number", at: start) }
            skipDigits()
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let start = index
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw JSONError("invalid literal", at: start) }
        let matches = literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw JSONError("invalid literal", at: start) }
        index += count
    }

    private mutating func skipDigits() {
        while let byte = peek(), byte.isDigit { index += 1 }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }
}

extension UInt8 {
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
