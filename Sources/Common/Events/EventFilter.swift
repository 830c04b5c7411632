/// Which events a client wants: AND across fields, OR inside one field; an empty field matches everything.
package struct EventFilter: Sendable, Hashable {
    package var types: Set<String> = []
    /// Lower-cased addresses.
    package var emails: Set<String> = []
    package var tags: Set<String> = []
    package var subaccounts: Set<String> = []
    /// Set when narrowing left a field with no allowed value (a client asked for a subaccount its token does not
    /// pin): the filter then matches no event. Such filters are all equal, so they share one fan-out group.
    package private(set) var matchesNothing = false

    package init(types: Set<String> = [], emails: Set<String> = [], tags: Set<String> = [], subaccounts: Set<String> = []) {
        self.types = types
        self.emails = Set(emails.map { $0.lowercased() })
        self.tags = tags
        self.subaccounts = subaccounts
    }

    /// Builds a filter from comma-separated query values (`types=open,click&email=a@b.c`); blanks are ignored.
    package init(types: String?, emails: String?, tags: String?, subaccounts: String?) {
        self.init(
            types: Self.split(types),
            emails: Self.split(emails),
            tags: Self.split(tags),
            subaccounts: Self.split(subaccounts)
        )
    }

    package var matchesEverything: Bool {
        !matchesNothing && types.isEmpty && emails.isEmpty && tags.isEmpty && subaccounts.isEmpty
    }

    /// The filter that matches no event.
    package static let nothing: EventFilter = {
        var filter = EventFilter()
        filter.matchesNothing = true
        return filter
    }()

    package func matches(_ event: EventAttributes) -> Bool {
        !matchesNothing
            && (types.isEmpty || types.contains(event.type))
            && (emails.isEmpty || emails.contains(event.email))
            && (tags.isEmpty || event.tags.contains { tags.contains($0) })
            && (subaccounts.isEmpty || subaccounts.contains(event.subaccount))
    }

    /// This filter restricted to what `scope` allows: each field the scope pins is intersected with the client's
    /// own values (or replaced by the scope's when the client gave none). The result never matches more than
    /// either of the two.
    package func narrowed(by scope: ReaderScope) -> EventFilter {
        guard !matchesNothing else { return self }
        func narrow(_ own: Set<String>, _ pinned: Set<String>?) -> Set<String>? {
            guard let pinned else { return own }
            let result = own.isEmpty ? pinned : own.intersection(pinned)
            return result.isEmpty ? nil : result
        }
        guard let types = narrow(types, scope.types),
            let emails = narrow(emails, scope.emails),
            let tags = narrow(tags, scope.tags),
            let subaccounts = narrow(subaccounts, scope.subaccounts)
        else { return .nothing }
        var result = EventFilter()
        result.types = types
        result.emails = emails
        result.tags = tags
        result.subaccounts = subaccounts
        return result
    }

    private static func split(_ value: String?) -> Set<String> {
        guard let value else { return [] }
        return Set(value.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty })
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
