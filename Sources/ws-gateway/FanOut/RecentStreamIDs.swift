import Common
import DequeModule

/// The ids of the last events the gateway delivered, to tell after a Redis failover which stream entries clients
/// have already seen (see ``StreamSequencer/positionChecked(lastShared:)``). Bounded: the oldest are forgotten.
struct RecentStreamIDs: Sendable {
    private var order = Deque<StreamID>()
    private var members = Set<StreamID>()
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    mutating func insert(_ id: StreamID) {
        guard members.insert(id).inserted else { return }
        order.append(id)
        if order.count > capacity, let oldest = order.popFirst() { members.remove(oldest) }
    }

    func contains(_ id: StreamID) -> Bool { members.contains(id) }
}
