import Common

/// A group of clients sharing one filter, as ``FanOutIndex`` sees it.
protocol FanOutGroup: AnyObject {
    var filter: EventFilter { get }
}

/// Fan-out groups indexed by the subaccounts their filters pin, so that a publication visits only the groups that
/// can match it: those that pin its subaccount and those that pin none. With one group per tenant, a publication
/// then costs one dictionary lookup and the groups of its own tenant, not one filter match per tenant.
///
/// A group is listed under each subaccount its filter names; an event has one subaccount, so a publication visits
/// a group at most once. Groups whose filter matches nothing are not listed at all: they never receive.
/// Candidates are a superset of the matching groups (other fields are not indexed): the caller still matches.
struct FanOutIndex<Group: FanOutGroup> {
    private var bySubaccount: [String: [Group]] = [:]
    private var unpinned: [Group] = []

    init() {}

    /// Lists a group under what its filter pins. A group must be inserted once, and removed before its filter
    /// could change (filters are immutable once a group exists).
    mutating func insert(_ group: Group) {
        let filter = group.filter
        guard !filter.matchesNothing else { return }
        guard !filter.subaccounts.isEmpty else {
            unpinned.append(group)
            return
        }
        for subaccount in filter.subaccounts {
            bySubaccount[subaccount, default: []].append(group)
        }
    }

    mutating func remove(_ group: Group) {
        let filter = group.filter
        guard !filter.matchesNothing else { return }
        guard !filter.subaccounts.isEmpty else {
            unpinned.removeAll { $0 === group }
            return
        }
        for subaccount in filter.subaccounts {
            bySubaccount[subaccount]?.removeAll { $0 === group }
            if bySubaccount[subaccount]?.isEmpty == true { bySubaccount[subaccount] = nil }
        }
    }

    /// Calls `body` once for every group that can match `event`: each group whose filter matches it is among them.
    func forEachCandidate(for event: EventAttributes, _ body: (Group) -> Void) {
        for group in unpinned { body(group) }
        guard !bySubaccount.isEmpty, let pinned = bySubaccount[event.subaccount] else { return }
        for group in pinned { body(group) }
    }
}
