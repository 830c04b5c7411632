/// Which events a client wants: AND across fields, OR inside one field; an empty field matches everything.
package struct EventFilter: Sendable, Hashable {
    package var types: Set<String> = []
    /// Lower-cased addresses.
    package var emails: Set<String> = []
    package var tags: Set<String> = []
    package var subaccounts: Set<String> = []

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
        types.isEmpty && emails.isEmpty && tags.isEmpty && subaccounts.isEmpty
    }

    package func matches(_ event: EventAttributes) -> Bool {
        (types.isEmpty || types.contains(event.type))
            && (emails.isEmpty || emails.contains(event.email))
            && (tags.isEmpty || event.tags.contains { tags.contains($0) })
            && (subaccounts.isEmpty || subaccounts.contains(event.subaccount))
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
