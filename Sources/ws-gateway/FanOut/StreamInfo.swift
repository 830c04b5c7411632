import Common

/// The parts of `XINFO STREAM` the replay needs.
struct StreamInfo {
    var length = 0
    var entriesAdded = 0
    var firstID: StreamID?
    /// Highest id removed by XDEL (trimming does not move it).
    var maxDeletedID: StreamID?

    init(_ reply: RedisValue) {
        let fields = reply.array ?? []
        var index = 0
        while index + 1 < fields.count {
            let value = fields[index + 1]
            switch fields[index].string {
            case "length": length = value.int ?? 0
            case "entries-added": entriesAdded = value.int ?? 0
            case "first-entry": firstID = value.array?.first?.string.flatMap { StreamID($0) }
            case "max-deleted-entry-id": maxDeletedID = value.string.flatMap { StreamID($0) }
            default: break
            }
            index += 2
        }
    }

    /// Whether events after `since` may be gone: something after it was deleted, or the stream was trimmed past
    /// it (its oldest entry is newer than `since` and entries have been removed).
    func mayHaveLost(after since: StreamID) -> Bool {
        if let maxDeletedID, maxDeletedID > since { return true }
        guard let firstID else { return entriesAdded > 0 }
        return firstID > since && entriesAdded > length
    }
}
