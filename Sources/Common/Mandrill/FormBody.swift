/// An `application/x-www-form-urlencoded` body decoded by hand, because the signature is computed over the
/// decoded values and libraries disagree on `+` (Hummingbird #141, Foundation's `URLComponents`).
///
/// Rules: `&` separates fields, the first `=` separates name from value, `+` is a space, `%XX` is a byte, the
/// decoded bytes must be UTF-8, and a name may appear only once.
///
/// Bounded on purpose: Mandrill sends exactly one field, so a body with more than `maxFields` fields is refused
/// as soon as the decoder meets the extra one (a 32 MiB body of millions of tiny fields costs one pass, not
/// millions of strings). Decoding happens in place in the body's own bytes (it never grows the data), and
/// values are kept as byte ranges of that one buffer: a 32 MiB body costs 32 MiB, not a copy per step.
package struct FormBody: Sendable {
    /// Mandrill sends one field; a few more leave room for its documented "currently a single parameter".
    package static let defaultMaxFields = 8

    /// The decoded names and values, back to back (the body's buffer, reused).
    package let storage: [UInt8]
    /// Each field's name and value as ranges of ``storage``, in body order.
    private let ranges: [(name: Range<Int>, value: Range<Int>)]
    /// Field indices sorted by name bytes: the order the signature reads them in, computed once.
    private let sortedOrder: [Int]

    /// Decodes a body, reusing its buffer. Throws on the first broken escape, invalid UTF-8, repeated name, or
    /// field past `maxFields`.
    package init(decodingInPlace body: consuming [UInt8], maxFields: Int = FormBody.defaultMaxFields) throws(FormDecodingError) {
        var ranges: [(name: Range<Int>, value: Range<Int>)] = []
        var failure: FormDecodingError?
        body.withUnsafeMutableBufferPointer { buffer in
            var written = 0
            var nameStart = 0
            var valueStart: Int?
            var index = 0
            let count = buffer.count
            func finishField() -> Bool {
                let nameEnd = valueStart ?? written
                if nameEnd > nameStart || valueStart != nil {
                    guard ranges.count < maxFields else {
                        failure = .tooManyFields(maxFields)
                        return false
                    }
                    ranges.append((nameStart..<nameEnd, (valueStart ?? written)..<written))
                }
                nameStart = written
                valueStart = nil
                return true
            }
            while index < count {
                let byte = buffer[index]
                switch byte {
                case UInt8(ascii: "&"):
                    guard finishField() else { return }
                case UInt8(ascii: "=") where valueStart == nil:
                    valueStart = written
                case UInt8(ascii: "+"):
                    buffer[written] = 0x20
                    written += 1
                case UInt8(ascii: "%"):
                    guard index + 2 < count, let value = PercentDecoding.hexByte(buffer[index + 1], buffer[index + 2]) else {
                        failure = .invalidPercentEscape(offset: index)
                        return
                    }
                    buffer[written] = value
                    written += 1
                    index += 2
                default:
                    // The write position never passes the read position, so decoding in place is safe.
                    buffer[written] = byte
                    written += 1
                }
                index += 1
            }
            _ = finishField()
        }
        if let failure { throw failure }
        let span = body.span
        var names: [ArraySlice<UInt8>] = []
        for range in ranges {
            guard (try? UTF8Span(validating: span.extracting(range.name))) != nil else { throw FormDecodingError.invalidUTF8(field: nil) }
            let name = body[range.name]
            guard (try? UTF8Span(validating: span.extracting(range.value))) != nil else {
                throw FormDecodingError.invalidUTF8(field: String(decoding: name, as: UTF8.self))
            }
            guard !names.contains(where: { $0.elementsEqual(name) }) else {
                throw FormDecodingError.repeatedName(String(decoding: name, as: UTF8.self))
            }
            names.append(name)
        }
        self.sortedOrder = ranges.indices.sorted { body[ranges[$0].name].lexicographicallyPrecedes(body[ranges[$1].name]) }
        self.ranges = ranges
        self.storage = body
    }

    /// A form of already decoded fields (the simulator and tests sign these).
    package init(fields: [(name: String, value: String)]) {
        var storage: [UInt8] = []
        var ranges: [(name: Range<Int>, value: Range<Int>)] = []
        for field in fields {
            let nameStart = storage.count
            storage.append(contentsOf: field.name.utf8)
            let valueStart = storage.count
            storage.append(contentsOf: field.value.utf8)
            ranges.append((nameStart..<valueStart, valueStart..<storage.count))
        }
        self.sortedOrder = ranges.indices.sorted { storage[ranges[$0].name].lexicographicallyPrecedes(storage[ranges[$1].name]) }
        self.ranges = ranges
        self.storage = storage
    }

    package var count: Int { ranges.count }

    /// The decoded fields as strings, in body order (copies; for tests and small forms).
    package var fields: [(name: String, value: String)] {
        ranges.map { (String(decoding: storage[$0.name], as: UTF8.self), String(decoding: storage[$0.value], as: UTF8.self)) }
    }

    /// Where the value of the field `name` lies in ``storage`` (validated UTF-8), if present.
    package func valueRange(named name: String) -> Range<Int>? {
        ranges.first { storage[$0.name].elementsEqual(name.utf8) }?.value
    }

    /// The value of the field `name`, if present (a copy).
    package subscript(name: String) -> String? {
        valueRange(named: name).map { String(decoding: storage[$0], as: UTF8.self) }
    }

    /// Calls `body` with each field's name and value bytes, sorted by name: what Mandrill's signature covers.
    package func forEachSignedField(_ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) -> Void) {
        for index in sortedOrder {
            body(storage[ranges[index].name], storage[ranges[index].value])
        }
    }

    /// Whether a `Content-Type` names this format: the media type before any `;` parameter, spaces and tabs around
    /// it ignored, is `application/x-www-form-urlencoded` in any ASCII case. Compared as bytes: this runs on every
    /// webhook POST, and Foundation's trimming and lowercasing cost more than the rest of its header checks together.
    package static func isFormMediaType(_ contentType: String?) -> Bool {
        guard var contentType else { return false }
        return contentType.withUTF8 { bytes in
            var mediaType = bytes[...]
            if let semicolon = mediaType.firstIndex(of: UInt8(ascii: ";")) { mediaType = mediaType[..<semicolon] }
            let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            while let first = mediaType.first, isBlank(first) { mediaType = mediaType.dropFirst() }
            while let last = mediaType.last, isBlank(last) { mediaType = mediaType.dropLast() }
            return mediaType.count == mediaTypeBytes.count
                && zip(mediaType, mediaTypeBytes).allSatisfy { byte, expected in
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == expected : byte == expected
                }
        }
    }

    private static let mediaTypeBytes = Array("application/x-www-form-urlencoded".utf8)

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

extension FormBody: Equatable {
    package static func == (lhs: FormBody, rhs: FormBody) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Why a form body could not be decoded. The description is safe to return to the client.
package struct FormDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    package let description: String

    static func invalidUTF8(field: String?) -> Self {
        .init(description: field.map { "form field '\($0.prefix(64))' is not valid UTF-8" } ?? "a form field name is not valid UTF-8")
    }

    static func repeatedName(_ name: String) -> Self {
        .init(description: "form field '\(name.prefix(64))' appears more than once")
    }

    static func invalidPercentEscape(offset: Int) -> Self {
        .init(description: "invalid percent escape at byte \(offset) of the form body")
    }

    static func tooManyFields(_ limit: Int) -> Self {
        .init(description: "the form has more than \(limit) fields (Mandrill sends one: mandrill_events)")
    }
}
