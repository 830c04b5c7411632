import Common
import Testing

@testable import ws_gateway

private final class FakeGroup: FanOutGroup, Sendable {
    let name: String
    let filter: EventFilter

    init(_ name: String, _ filter: EventFilter) {
        self.name = name
        self.filter = filter
    }
}

@Suite("Fan-out index: a publication visits only the groups that can match it")
struct FanOutIndexTests {
    private static let groups = [
        FakeGroup("everything", EventFilter()),
        FakeGroup("opens", EventFilter(types: ["open"])),
        FakeGroup("tagged", EventFilter(tags: ["welcome"])),
        FakeGroup("acme", EventFilter().narrowed(by: ReaderScope(subaccounts: ["acme"]))),
        FakeGroup("acme opens", EventFilter(types: ["open"]).narrowed(by: ReaderScope(subaccounts: ["acme"]))),
        FakeGroup("acme or beta", EventFilter(subaccounts: ["acme", "beta"])),
        FakeGroup("beta clicks", EventFilter(types: ["click"], subaccounts: ["beta"])),
        FakeGroup("no subaccount", EventFilter(subaccounts: [""])),
        // Asked for beta with a token pinned to acme: matches nothing.
        FakeGroup("denied", EventFilter(subaccounts: ["beta"]).narrowed(by: ReaderScope(subaccounts: ["acme"]))),
        FakeGroup("pinned to none", EventFilter().narrowed(by: ReaderScope(subaccounts: []))),
    ]

    private static let events: [EventAttributes] = ["open", "click", "send"].flatMap { type in
        ["", "acme", "beta", "gamma"].flatMap { subaccount in
            [[], ["welcome"], ["digest"]].map { tags in
                EventAttributes(type: type, email: "a@example.com", tags: tags, subaccount: subaccount)
            }
        }
    }

    private func candidates(_ index: FanOutIndex<FakeGroup>, _ event: EventAttributes) -> [String] {
        var names: [String] = []
        index.forEachCandidate(for: event) { names.append($0.name) }
        return names
    }

    @Test("every matching group is a candidate, once; no group pinned to another subaccount, and never one that matches nothing")
    func candidatesCoverMatches() {
        #expect(Self.groups.filter { $0.filter.matchesNothing }.map(\.name) == ["denied", "pinned to none"])
        var index = FanOutIndex<FakeGroup>()
        for group in Self.groups { index.insert(group) }
        for event in Self.events {
            let names = candidates(index, event)
            #expect(Set(names).count == names.count, "\(event) visits a group twice: \(names)")
            let matching = Self.groups.filter { $0.filter.matches(event) }.map(\.name)
            #expect(Set(matching).isSubset(of: names), "\(event)")
            for group in Self.groups where names.contains(group.name) {
                #expect(!group.filter.matchesNothing, "\(group.name) is visited")
                #expect(group.filter.subaccounts.isEmpty || group.filter.subaccounts.contains(event.subaccount), "\(group.name) for \(event)")
            }
        }
        let acme = EventAttributes(type: "send", email: "", tags: [], subaccount: "acme")
        #expect(Set(candidates(index, acme)) == ["everything", "opens", "tagged", "acme", "acme opens", "acme or beta"])
        let gamma = EventAttributes(type: "send", email: "", tags: [], subaccount: "gamma")
        #expect(Set(candidates(index, gamma)) == ["everything", "opens", "tagged"])
        let none = EventAttributes(type: "send", email: "", tags: [], subaccount: "")
        #expect(Set(candidates(index, none)) == ["everything", "opens", "tagged", "no subaccount"])
    }

    @Test("a removed group is no longer visited, under any of its subaccounts; the others stay")
    func removal() {
        var index = FanOutIndex<FakeGroup>()
        for group in Self.groups { index.insert(group) }
        for group in Self.groups where ["everything", "acme or beta", "denied"].contains(group.name) { index.remove(group) }
        let acme = EventAttributes(type: "open", email: "", tags: [], subaccount: "acme")
        #expect(Set(candidates(index, acme)) == ["opens", "tagged", "acme", "acme opens"])
        let beta = EventAttributes(type: "click", email: "", tags: [], subaccount: "beta")
        #expect(Set(candidates(index, beta)) == ["opens", "tagged", "beta clicks"])
        for group in Self.groups { index.remove(group) }
        for event in Self.events { #expect(candidates(index, event).isEmpty) }
    }

    @Test("50 tenants: a publication visits only the group of its own tenant")
    func tenants() {
        var index = FanOutIndex<FakeGroup>()
        let groups = (0..<50).map { FakeGroup("tenant-\($0)", EventFilter().narrowed(by: ReaderScope(subaccounts: ["tenant-\($0)"]))) }
        for group in groups { index.insert(group) }
        for tenant in 0..<50 {
            let event = EventAttributes(type: "send", email: "", tags: [], subaccount: "tenant-\(tenant)")
            #expect(candidates(index, event) == ["tenant-\(tenant)"])
        }
        #expect(candidates(index, EventAttributes(type: "send", email: "", tags: [], subaccount: "")).isEmpty)
    }
}
