/// The fields filters look at: the envelope's type and email, plus tags and subaccount from inside the event.
package struct EventAttributes: Sendable, Equatable {
    package let type: String
    /// Lower-cased: email filters are case-insensitive.
    package let email: String
    package let tags: [String]
    package let subaccount: String

    package init(type: String, email: String, tags: [String], subaccount: String) {
        self.type = type
        self.email = email.lowercased()
        self.tags = tags
        self.subaccount = subaccount
    }

    /// Reads tags and subaccount from `msg` (message and inbound events) or `reject` (deny-list events).
    package init(type: String, email: String, event: RawJSON?) {
        var tags: [String] = []
        var subaccount = ""
        if let event, event.kind == .object {
            for member in event.members where member.key == "msg" || member.key == "reject" {
                guard member.value.kind == .object else { continue }
                for field in member.value.members {
                    if field.key == "tags" {
                        tags = field.value.elements.compactMap(\.string)
                    } else if field.key == "subaccount" {
                        subaccount = field.value.string ?? ""
                    }
                }
            }
        }
        self.init(type: type, email: email, tags: tags, subaccount: subaccount)
    }

    /// Reads email, tags and subaccount from a message's `msg` snapshot (a validated JSON object).
    package init(messageSnapshot bytes: [UInt8]) {
        let message = RawJSON(validated: bytes)
        var email = ""
        var tags: [String] = []
        var subaccount = ""
        if message.kind == .object {
            for field in message.members {
                switch field.key {
                case "email": email = field.value.string ?? ""
                case "tags": tags = field.value.elements.compactMap(\.string)
                case "subaccount": subaccount = field.value.string ?? ""
                default: continue
                }
            }
        }
        self.init(type: "", email: email, tags: tags, subaccount: subaccount)
    }
}
