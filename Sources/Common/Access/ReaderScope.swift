/// What a token lets its bearer see: the `mandrill` claim. A field that is `nil` is not pinned; a pinned field
/// allows only the values it lists (an empty list allows nothing).
///
/// Subaccounts, types and tags match exactly, as Mandrill treats ids; emails case-insensitively. Blank values
/// are dropped, so a token that pins subaccounts never sees events that have none.
package struct ReaderScope: Sendable, Hashable, Codable {
    package var subaccounts: Set<String>?
    package var types: Set<String>?
    /// Lower-cased.
    package var emails: Set<String>?
    package var tags: Set<String>?

    /// Everything: a static token, a JWT without the claim, or an open read API.
    package static let everything = ReaderScope()

    package init(subaccounts: Set<String>? = nil, types: Set<String>? = nil, emails: Set<String>? = nil, tags: Set<String>? = nil) {
        self.subaccounts = subaccounts.map(Self.cleaned)
        self.types = types.map(Self.cleaned)
        self.emails = emails.map { Set(Self.cleaned($0).map { $0.lowercased() }) }
        self.tags = tags.map(Self.cleaned)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            subaccounts: try container.decodeIfPresent(Set<String>.self, forKey: .subaccounts),
            types: try container.decodeIfPresent(Set<String>.self, forKey: .types),
            emails: try container.decodeIfPresent(Set<String>.self, forKey: .emails),
            tags: try container.decodeIfPresent(Set<String>.self, forKey: .tags)
        )
    }

    package var pinsNothing: Bool { subaccounts == nil && types == nil && emails == nil && tags == nil }

    /// Whether the scope restricts which messages are visible (types restrict only the events of a message).
    package var pinsMessages: Bool { subaccounts != nil || emails != nil || tags != nil }

    /// Whether a message whose snapshot has these attributes is visible at all (its type is not considered: a
    /// message has events of many types, and its timeline is filtered by type separately).
    package func allowsMessage(_ message: EventAttributes) -> Bool {
        (subaccounts?.contains(message.subaccount) ?? true)
            && (emails?.contains(message.email) ?? true)
            && (tags.map { pinned in message.tags.contains { pinned.contains($0) } } ?? true)
    }

    private static func cleaned(_ values: Set<String>) -> Set<String> {
        values.filter { !$0.isEmpty }
    }
}
