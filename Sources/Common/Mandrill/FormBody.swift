/// An `application/x-www-form-urlencoded` body decoded by hand, because the signature is computed over the
/// decoded values and libraries disagree on `+` (Hummingbird #141, Foundation's `URLComponents`).
///
/// Rules: `&` separates fields, the first `=` separates name from value, `+` is a space, `%XX` is a byte, the
/// decoded bytes must be UTF-8, and a name may appear only once.
package struct FormBody: Sendable, Equatable {
    package private(set) var fields: [(name: String, value: String)] = []

    package static func == (lhs: FormBody, rhs: FormBody) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    package init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    package init(decoding body: [UInt8]) throws(FormDecodingError) {
        do {
            self = try body.withUnsafeBytes { try FormBody(decoding: $0) }
        } catch let error as FormDecodingError {
            throw error
        } catch {
            preconditionFailure("only FormDecodingError is thrown")
        }
    }

    /// Decodes raw bytes. Not generic on purpose: a 1,000-event batch is over a megabyte, and this loop must be
    /// specialised code writing into one preallocated buffer, not collection-protocol calls per byte.
    package init(decoding body: UnsafeRawBufferPointer) throws(FormDecodingError) {
        // Every field's decoded name and value, as ranges of one output buffer (decoding never grows the data).
        var ranges: [(name: Range<Int>, value: Range<Int>)] = []
        var failure: FormDecodingError?
        let decoded = [UInt8](unsafeUninitializedCapacity: body.count) { output, initialized in
            var written = 0
            var nameStart = 0
            var valueStart: Int?
            var index = 0
            func finishField() {
                let nameEnd = valueStart ?? written
                if nameEnd > nameStart || valueStart != nil {
                    ranges.append((nameStart..<nameEnd, (valueStart ?? written)..<written))
                }
                nameStart = written
                valueStart = nil
            }
            while index < body.count {
                let byte = body[index]
                switch byte {
                case UInt8(ascii: "&"):
                    finishField()
                case UInt8(ascii: "=") where valueStart == nil:
                    valueStart = written
                case UInt8(ascii: "+"):
                    output[written] = 0x20
                    written += 1
                case UInt8(ascii: "%"):
                    guard index + 2 < body.count, let value = Self.hexByte(body[index + 1], body[index + 2]) else {
                        failure = .invalidPercentEscape(offset: index)
                        initialized = written
                        return
                    }
                    output[written] = value
                    written += 1
                    index += 2
                default:
                    output[written] = byte
                    written += 1
                }
                index += 1
            }
            finishField()
            initialized = written
        }
        if let failure { throw failure }
        var seen = Set<String>()
        for range in ranges {
            guard let name = String(validating: decoded[range.name], as: UTF8.self) else { throw FormDecodingError.invalidUTF8(field: nil) }
            guard let value = String(validating: decoded[range.value], as: UTF8.self) else { throw FormDecodingError.invalidUTF8(field: name) }
            guard seen.insert(name).inserted else { throw FormDecodingError.repeatedName(name) }
            fields.append((name, value))
        }
    }

    /// The value of the field `name`, if present.
    package subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    private static func hexByte(_ high: UInt8, _ low: UInt8) -> UInt8? {
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

    /// Encodes fields the way Mandrill does: spaces as `+`, everything but unreserved characters as upper-case `%XX`.
    package static func encode(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var output: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            appendEncoded(field.name, to: &output)
            output.append(UInt8(ascii: "="))
            appendEncoded(field.value, to: &output)
        }
        return output
    }

    private static func appendEncoded(_ text: String, to output: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        output.reserveCapacity(output.count + text.utf8.count * 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                output.append(byte)
            case 0x20:
                output.append(UInt8(ascii: "+"))
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
    }
}

/// Why a form body could not be decoded. The description is safe to return to the client.
package struct FormDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    package let description: String

    static func invalidUTF8(field: String?) -> Self {
        .init(description: field.map { "form field '\($0)' is not valid UTF-8" } ?? "a form field name is not valid UTF-8")
    }

    static func repeatedName(_ name: String) -> Self {
        .init(description: "form field '\(name)' appears more than once")
    }

    static func invalidPercentEscape(offset: Int) -> Self {
        .init(description: "invalid percent escape at byte \(offset) of the form body")
    }
}
