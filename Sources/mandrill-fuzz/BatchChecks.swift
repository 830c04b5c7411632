import Common

/// What must hold for every batch hook-ingest accepts and every event in it, whichever target found the batch.
enum BatchChecks {
    /// A fixed, realistic stream id: the checks need one, and its value does not matter.
    static let firstID = StreamID(milliseconds: 1_764_412_345_678, sequence: 0)

    static func check(json: String) {
        let bytes = Array(json.utf8)
        check(bytes: bytes, range: 0..<bytes.count)
    }

    /// A batch read in place from a decoded form, as hook-ingest reads it.
    static func check(bytes: [UInt8], range: Range<Int>) {
        // API: MandrillBatch(bytes:range:) and its events.
        let batch = try? MandrillBatch(bytes: bytes, range: range)
        let ranges = (try? JSONValidator.objectRangesInArray(Array(bytes[range])))?.map {
            ($0.lowerBound + range.lowerBound)..<($0.upperBound + range.lowerBound)
        }
        invariant((batch == nil) == (ranges == nil), "MandrillBatch and objectRangesInArray disagree on accepting")
        guard let batch, let ranges else { return }
        invariant(batch.events.map(\.raw.range) == ranges, "the batch's events are not the array's objects")
        for (index, event) in batch.events.enumerated() {
            check(event)
            EnvelopeFuzzer.republish(event, id: StreamID(milliseconds: firstID.milliseconds, sequence: UInt64(index)))
        }
    }

    /// Lenient decoding must still give a usable, repeatable identity: the dedup key is what stops a retried
    /// batch from being stored twice.
    static func check(_ event: MandrillEvent) {
        invariant(event.raw.kind == .object, "an event that is not an object")
        invariant(
            event.dedupHash.utf8.count == 64 && event.dedupHash.utf8.allSatisfy { $0.isLowercaseHexDigit },
            "dedup hash \(event.dedupHash.debugDescription) is not hex SHA-256"
        )
        invariant(MandrillEvent(raw: event.raw).dedupHash == event.dedupHash, "dedup hash is not deterministic")
        invariant(event.messageSnapshot.map { $0.kind == .object } ?? true, "msg snapshot that is not an object")
        switch event.family {
        case .message:
            invariant(!event.type.isEmpty && event.messageID?.isEmpty != true, "message event without type, or with an empty id")
        case .sync:
            invariant(!event.type.isEmpty && event.messageID == nil, "sync event without type, or with a message id")
        case .inbound:
            invariant(event.type == "inbound" && event.messageID == nil, "inbound event typed \(event.type)")
        case .unknown:
            invariant(event.type == "unknown" && event.email.isEmpty && event.messageID == nil, "unknown event with details")
        }
    }
}

extension UInt8 {
    fileprivate var isLowercaseHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}
