/// The `mandrill_events` field of one POST: a JSON array of event objects, each kept byte for byte.
package struct MandrillBatch: Sendable {
    /// Holds the batch's JSON at ``range`` (usually the decoded form body, shared rather than copied).
    package let bytes: [UInt8]
    package let range: Range<Int>
    package let events: [MandrillEvent]

    /// Rejects anything that is not a JSON array of objects; accepts every shape of object inside it.
    /// - Precondition: `bytes[range]` is valid UTF-8 (a decoded form value is checked by ``FormBody``).
    package init(bytes: [UInt8], range: Range<Int>) throws(JSONError) {
        let ranges = try JSONValidator.objectRangesInArray(bytes, in: range)
        self.bytes = bytes
        self.range = range
        self.events = ranges.map { MandrillEvent(raw: RawJSON(bytes: bytes, range: $0)) }
    }

    package init(json: String) throws(JSONError) {
        let bytes = Array(json.utf8)
        try self.init(bytes: bytes, range: 0..<bytes.count)
    }

    package var isEmpty: Bool { events.isEmpty }

    /// Size of the batch's JSON.
    package var byteCount: Int { range.count }
}
