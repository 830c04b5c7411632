import Common

/// The validator is the only guard in front of ``RawJSON``, which trusts its input and indexes without checks.
/// So: whatever the validator accepts, RawJSON must walk without a trap, and its pieces must tile the document.
enum JSONFuzzer {
    /// Deep enough for any event; the validator itself allows 256 levels.
    static let maximumWalkDepth = 64
    /// Values visited per input, so that a wide document cannot make one input slow (members are rescanned).
    static let walkBudget = 4_096

    static func run(_ input: [UInt8]) {
        // API: JSONValidator.validate and JSONValidator.objectRangesInArray.
        let valid = accepts(input[...])
        let isUTF8 = (try? UTF8Span(validating: input.span)) != nil
        invariant(isUTF8 || !valid, "validate accepted bytes that are not UTF-8")
        // objectRangesInArray reads batches whose UTF-8 the form decoder already checked: compare only such input.
        guard isUTF8 else { return }
        let ranges = try? JSONValidator.objectRangesInArray(input)
        if let ranges {
            invariant(valid, "objectRangesInArray accepted what validate refuses")
            for range in ranges {
                invariant(input[range].first == UInt8(ascii: "{") && input[range].last == UInt8(ascii: "}"), "range \(range) is not an object")
                invariant(accepts(input[range]), "object at \(range) does not validate on its own")
            }
        }
        guard valid else { return }

        let root = RawJSON(validated: input)
        let isArrayOfObjects = root.kind == .array && root.elements.allSatisfy { $0.kind == .object }
        invariant(isArrayOfObjects == (ranges != nil), "objectRangesInArray and RawJSON disagree on an array of objects")
        if let ranges { invariant(ranges == root.elements.map(\.range), "object ranges differ from RawJSON's elements") }

        var budget = walkBudget
        walk(root, depth: 0, budget: &budget)
    }

    static func accepts(_ bytes: ArraySlice<UInt8>) -> Bool {
        (try? JSONValidator.validate(Array(bytes))) != nil
    }

    private static func walk(_ value: RawJSON, depth: Int, budget: inout Int) {
        budget -= 1
        guard budget > 0, depth < maximumWalkDepth else { return }
        invariant(accepts(value.rawBytes), "a value at \(value.range) does not validate on its own")
        switch value.kind {
        case .object:
            let members = value.members
            checkTiling(value, children: members.map(\.value.range)) { index, gap in
                checkKey(gap, is: members[index].key)
            }
            for member in members { walk(member.value, depth: depth + 1, budget: &budget) }
        case .array:
            let elements = value.elements
            checkTiling(value, children: elements.map(\.range)) { _, gap in
                invariant(gap.isEmpty, "stray bytes before an array element")
            }
            for element in elements { walk(element, depth: depth + 1, budget: &budget) }
        case .string:
            checkString(value)
        case .number:
            invariant(value.scalarText == String(decoding: value.rawBytes, as: UTF8.self), "number text is not its digits")
        case .bool:
            invariant(value.scalarText == "true" || value.scalarText == "false", "bool reads as \(String(describing: value.scalarText))")
        case .null:
            invariant(Array(value.rawBytes) == Array("null".utf8) && value.scalarText == nil, "null is not null")
        }
    }

    /// The children must lie in order inside the container, and what lies between them must be exactly the
    /// punctuation (plus, for objects, the key): otherwise RawJSON skipped or invented a value.
    private static func checkTiling(
        _ container: RawJSON,
        children: [Range<Int>],
        prefix: (Int, ArraySlice<UInt8>) -> Void
    ) {
        let bytes = container.bytes
        var cursor = container.range.lowerBound + 1
        for (index, child) in children.enumerated() {
            invariant(child.lowerBound >= cursor && child.upperBound < container.range.upperBound, "child \(child) outside \(container.range)")
            var gap = trimmed(bytes[cursor..<child.lowerBound])
            if index > 0 {
                invariant(gap.first == UInt8(ascii: ","), "no separator before child \(child)")
                gap = trimmed(gap.dropFirst())
            }
            prefix(index, gap)
            cursor = child.upperBound
        }
        let tail = trimmed(bytes[cursor..<(container.range.upperBound - 1)])
        invariant(tail.isEmpty, "bytes after the last child of \(container.range)")
    }

    /// Between two members lies `"key" :`; the key RawJSON reports must be that string, decoded.
    private static func checkKey(_ gap: ArraySlice<UInt8>, is key: String) {
        invariant(gap.last == UInt8(ascii: ":"), "no ':' before a member value")
        let literal = Array(trimmed(gap.dropLast()))
        invariant(accepts(literal[...]) && literal.first == UInt8(ascii: "\""), "member key is not a string")
        invariant(RawJSON(validated: literal).string == key, "member key reads as \(key.debugDescription)")
    }

    /// Decoding a string and encoding it again (as the envelope does with type and email) must give the same text.
    private static func checkString(_ value: RawJSON) {
        guard let text = value.string else { fatalError("fuzz invariant violated: a string value without text") }
        invariant(value.scalarText == text, "scalarText differs from string")
        let encoded = JSONString.encode(text)
        invariant(accepts(encoded[...]), "JSONString.encode gave invalid JSON for \(text.debugDescription)")
        invariant(RawJSON(validated: encoded).string == text, "string does not survive decode, encode, decode")
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return [] }
        return bytes[first...last]
    }
}
