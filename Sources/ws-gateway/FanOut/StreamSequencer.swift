import Common
import DequeModule

/// Keeps the gateway's feed gap-free and in order across subscription drops.
///
/// Pub/sub delivers nothing while the subscription is down (Redis restarted, or it closed a slow subscriber at
/// `client-output-buffer-limit pubsub`). After every re-subscribe the sequencer has the gap read back from the
/// stream after the last id it delivered, buffering live messages meanwhile, and then hands clients the gap
/// followed by the buffered messages, each id exactly once and in increasing order.
struct StreamSequencer: Sendable {
    enum State: Sendable {
        /// Not subscribed.
        case waiting(lastID: StreamID?)
        /// First subscription: reading the stream's newest id, the position everything after is new from.
        case findingTip(buffer: Deque<Publication>, overflowed: Bool)
        /// Subscribed again; reading the gap after `lastID` from the stream.
        case recovering(lastID: StreamID, buffer: Deque<Publication>, overflowed: Bool)
        case live(lastID: StreamID?)
    }

    struct Action: Sendable {
        var deliver: [Publication] = []
        /// Read the stream after this id (exclusive) next.
        var readGap: StreamID?
        /// Read the stream's newest id next, and report it with ``StreamSequencer/tipRead(_:)``.
        var readTip = false
        /// Read the stream entries at or before this id next, and report the newest one this gateway delivered with
        /// ``StreamSequencer/positionChecked(lastShared:)``.
        var checkPosition: StreamID?
        /// Events this gateway delivered are not in the stream any more (see ``StreamSequencer/positionChecked(lastShared:)``).
        var rolledBack = false

        static let none = Action()
    }

    private(set) var state: State = .waiting(lastID: nil)
    /// After a re-subscription, whether the last delivered id still has to be found in the stream.
    private(set) var needsPositionCheck = false
    /// Live messages held during recovery; past this they are dropped and read back from the stream instead.
    let bufferLimit: Int

    init(bufferLimit: Int = 100_000) {
        self.bufferLimit = bufferLimit
    }

    var isLive: Bool {
        if case .live = state { return true }
        return false
    }

    var lastID: StreamID? {
        switch state {
        case .waiting(let lastID), .live(let lastID): lastID
        case .recovering(let lastID, _, _): lastID
        case .findingTip: nil
        }
    }

    mutating func subscribed() -> Action {
        guard case .waiting(let lastID) = state else { return .none }
        guard let lastID else {
            // First subscription: learn where the stream ends, so that a drop before the first event still has a
            // position to fill the gap from (otherwise events published meanwhile would be skipped).
            state = .findingTip(buffer: [], overflowed: false)
            return Action(readTip: true)
        }
        state = .recovering(lastID: lastID, buffer: [], overflowed: false)
        needsPositionCheck = true
        return Action(checkPosition: lastID)
    }

    /// The newest stream entry at or before the last delivered id that this gateway delivered too (`nil`: the
    /// stream has none at or before it, the older entries were trimmed).
    ///
    /// Normally that is the last delivered entry itself. After a Redis failover it can be older: the new primary
    /// lacks what the old one held but had not replicated yet, and this gateway may have delivered some of those
    /// events live. They are gone (their batches were never acknowledged with `--redis-min-replicas-ack`, so
    /// Mandrill sends them again and they come back under new ids). The gap is then read from the newest entry
    /// both sides have, so that nothing the new primary stored since is skipped: its new ids can sort before the
    /// lost ones (Redis numbers entries after the newest it holds while its clock is behind that).
    mutating func positionChecked(lastShared found: StreamID?) -> Action {
        guard needsPositionCheck, case .recovering(let lastID, let buffer, let overflowed) = state else { return .none }
        needsPositionCheck = false
        guard let found, found < lastID else { return Action(readGap: lastID) }
        state = .recovering(lastID: found, buffer: buffer, overflowed: overflowed)
        return Action(readGap: found, rolledBack: true)
    }

    /// The stream's newest id when the first subscription began (`0-0` for an empty stream). Live messages held
    /// meanwhile that are newer are delivered.
    mutating func tipRead(_ tip: StreamID) -> Action {
        guard case .findingTip(let buffer, let overflowed) = state else { return .none }
        if overflowed {
            // Messages were dropped while waiting: they are in the stream after the tip.
            state = .recovering(lastID: tip, buffer: [], overflowed: false)
            return Action(readGap: tip)
        }
        var lastID = tip
        var action = Action()
        for publication in buffer where publication.id > lastID {
            action.deliver.append(publication)
            lastID = publication.id
        }
        state = .live(lastID: lastID)
        return action
    }

    mutating func dropped() {
        state = .waiting(lastID: lastID)
        needsPositionCheck = false
    }

    mutating func received(_ publication: Publication) -> Action {
        switch state {
        case .waiting:
            return .none
        case .findingTip(var buffer, var overflowed):
            state = .waiting(lastID: nil)  // so that `buffer` is uniquely referenced
            if buffer.count < bufferLimit {
                buffer.append(publication)
            } else {
                buffer.removeAll()
                overflowed = true
            }
            state = .findingTip(buffer: buffer, overflowed: overflowed)
            return .none
        case .live(let lastID):
            if let lastID, publication.id <= lastID { return .none }
            state = .live(lastID: publication.id)
            return Action(deliver: [publication])
        case .recovering(let lastID, var buffer, var overflowed):
            state = .waiting(lastID: nil)  // so that `buffer` is uniquely referenced and appends do not copy
            if buffer.count < bufferLimit {
                buffer.append(publication)
            } else {
                // Everything published is also in the stream: drop the buffer and read further instead.
                buffer.removeAll()
                overflowed = true
            }
            state = .recovering(lastID: lastID, buffer: buffer, overflowed: overflowed)
            return .none
        }
    }

    /// One page of the gap, read after `lastID`; `through` is the page's last entry id (entries that are not
    /// events are skipped but still move the cursor); `complete` when the page reached the end of the stream.
    mutating func gapRead(_ page: [Publication], through: StreamID?, complete: Bool) -> Action {
        guard case .recovering(var lastID, let buffer, let overflowed) = state else { return .none }
        var action = Action()
        for publication in page where publication.id > lastID {
            action.deliver.append(publication)
            lastID = publication.id
        }
        if let through, through > lastID { lastID = through }
        if !complete {
            state = .recovering(lastID: lastID, buffer: buffer, overflowed: overflowed)
            action.readGap = lastID
            return action
        }
        if overflowed {
            // Messages were dropped while buffering: read once more (they are in the stream) with a fresh buffer.
            state = .recovering(lastID: lastID, buffer: [], overflowed: false)
            action.readGap = lastID
            return action
        }
        for publication in buffer where publication.id > lastID {
            action.deliver.append(publication)
            lastID = publication.id
        }
        state = .live(lastID: lastID)
        return action
    }
}
