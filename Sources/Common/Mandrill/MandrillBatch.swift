/// The `mandrill_events` field of one POST: a JSON array of event objects, each kept byte for byte.
package struct MandrillBatch: Sendable {
    package let bytes: [UInt8]
    package let events: [MandrillEvent]

    /// Rejects anything that is not a JSON array of objects; accepts every shape of object inside it.
    package init(json: String) throws(JSONError) {
        let bytes = Array(json.utf8)
        let ranges = try JSONValidator.objectRangesInArray(bytes)
        self.bytes = bytes
        self.events = ranges.map { MandrillEvent(raw: RawJSON(bytes: bytes, range: $0)) }
    }

    package var isEmpty: Bool { events.isEmpty }
}
