import Common
import DequeModule
import NIOCore

/// One client's position in the stream: replaying history (while live messages queue up behind it) or live.
///
/// The rule that gives "no gap, no duplicate": the client is registered for live messages before history is
/// read; every id the history read covers moves `cursor` forward; live messages at or before the cursor are
/// dropped when the replay ends, the rest are sent in order.
struct ClientStreamState: Sendable {
    enum State: Sendable {
        case replaying(cursor: StreamID?, buffer: Deque<Publication>, bufferedBytes: Int)
        case live(lastSent: StreamID?)
        case closed
    }

    enum LiveAction: Sendable, Equatable {
        case none
        case send
        /// The replay's queue passed the limit: close as a slow consumer.
        case overflow
    }

    private(set) var state: State
    let queueLimit: Int

    /// A `since=` client starts with its cursor at `since`: it already has everything up to there, so a live
    /// event at or before it is never sent, even when the history read finds nothing after it.
    init(start: StreamRequest.Start, queueLimit: Int) {
        switch start {
        case .live: self.state = .live(lastSent: nil)
        case .since(let id): self.state = .replaying(cursor: id, buffer: [], bufferedBytes: 0)
        case .backlog: self.state = .replaying(cursor: nil, buffer: [], bufferedBytes: 0)
        }
        self.queueLimit = queueLimit
    }

    var isLive: Bool {
        if case .live = state { return true }
        return false
    }

    /// A live message reached this client.
    mutating func receive(_ publication: Publication) -> LiveAction {
        switch state {
        case .live(let lastSent):
            if let lastSent, publication.id <= lastSent { return .none }
            state = .live(lastSent: publication.id)
            return .send
        case .replaying(let cursor, var buffer, let bytes):
            let newBytes = bytes + publication.frame.readableBytes
            guard newBytes <= queueLimit else {
                state = .closed
                return .overflow
            }
            state = .closed  // so that `buffer` is uniquely referenced and the append does not copy
            buffer.append(publication)
            state = .replaying(cursor: cursor, buffer: buffer, bufferedBytes: newBytes)
            return .none
        case .closed:
            return .none
        }
    }

    /// History up to and including `id` has been read (whether or not it matched the filter).
    mutating func replayed(through id: StreamID) {
        guard case .replaying(let cursor, let buffer, let bytes) = state else { return }
        if let cursor, cursor >= id { return }
        state = .replaying(cursor: id, buffer: buffer, bufferedBytes: bytes)
    }

    /// Ends the replay: returns the queued live messages the history did not cover, in order.
    mutating func finishReplay() -> [Publication] {
        guard case .replaying(let cursor, let buffer, _) = state else { return [] }
        var lastSent = cursor
        var pending: [Publication] = []
        for publication in buffer where lastSent.map({ publication.id > $0 }) ?? true {
            pending.append(publication)
            lastSent = publication.id
        }
        state = .live(lastSent: lastSent)
        return pending
    }

    mutating func close() {
        state = .closed
    }
}
