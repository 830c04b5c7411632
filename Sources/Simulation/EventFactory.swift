/// Makes realistic Mandrill events of every kind, including the quirks real payloads have: `metadata: []`,
/// `location: null`, latitudes as the string `"INVALID IP ADDRESS"`, inbound `headers: []`, allow-list events
/// with `entry` instead of `reject`. Deterministic for a given seed; every event it makes is distinct.
package struct EventFactory: Sendable {
    /// Every kind the factory makes, by envelope type.
    package static let allTypes = [
        "send", "delivered", "deferral", "hard_bounce", "soft_bounce", "open", "click", "spam", "unsub", "reject",
        "blacklist", "whitelist", "inbound",
    ]
    package static let messageTypes = Array(allTypes.prefix(10))

    private var random: SplitMix64
    private var counter = 0
    /// Part of generated addresses, so that factories running side by side never make the same event.
    private let instance: Int
    /// Event timestamps advance one second per event so that identities never collide.
    private var clock: Int
    package var inboundAttachmentBytes = 2048
    package var subjectOverride: String?

    package init(seed: UInt64 = 1, startTime: Int = 1_764_000_000, instance: Int = 0) {
        self.random = SplitMix64(seed: seed)
        self.clock = startTime
        self.instance = instance
    }

    /// A batch cycling through `types` (all by default).
    package mutating func batch(size: Int, types: [String] = EventFactory.allTypes) -> [SimJSON] {
        (0..<size).map { index in event(type: types[(counter + index) % types.count]) }
    }

    /// The lifecycle of one message: send, delivered, two opens and `clicks` clicks (by default seven events sharing
    /// one `_id`).
    package mutating func messageLifecycle(clicks: Int = 3) -> (id: String, events: [SimJSON]) {
        let message = newMessage()
        let types = ["send", "delivered", "open", "open"] + Array(repeating: "click", count: clicks)
        return (message.id, types.map { messageEvent(type: $0, message: message) })
    }

    package mutating func event(type: String) -> SimJSON {
        switch type {
        case "blacklist": return syncEvent(list: "blacklist")
        case "whitelist": return syncEvent(list: "whitelist")
        case "inbound": return inboundEvent()
        default: return messageEvent(type: type, message: newMessage())
        }
    }

    // MARK: - Message events

    private struct Message {
        let id: String
        let email: String
        let sendTime: Int
        let subject: String
        let tags: [String]
        let subaccount: String?
        let emptyMetadata: Bool
    }

    private mutating func newMessage() -> Message {
        counter += 1
        let id = "\(hex(16))\(String(counter, radix: 16))"
        let user = ["ada", "grace", "alan", "edsger", "barbara", "ken", "margaret", "linus"][random.next(8)]
        let tags = [["welcome"], ["password-reset"], ["invoice", "billing"], ["digest"], []][random.next(5)]
        return Message(
            id: id,
            email: "\(user).\(instance)-\(counter)@example.com",
            sendTime: clock,
            subject: subjectOverride
                ?? ["Welcome aboard", "Your invoice #\(counter)", "Reset your password", "Weekly digest \u{1F4EC}"][random.next(4)],
            tags: tags,
            subaccount: random.next(3) == 0 ? "acme-eu" : nil,
            emptyMetadata: random.next(4) == 0
        )
    }

    private mutating func messageEvent(type: String, message: Message) -> SimJSON {
        clock += 1
        var msg: [(String, SimJSON)] = [
            ("ts", .int(message.sendTime)),
            ("subject", .string(message.subject)),
            ("email", .string(message.email)),
            ("sender", .string("noreply@shop.example.com")),
            ("tags", .array(message.tags.map(SimJSON.string))),
            ("metadata", message.emptyMetadata ? .array([]) : .object([("user_id", .int(1000 + counter)), ("plan", .string("pro"))])),
            ("state", .string(Self.state(for: type))),
            ("subaccount", message.subaccount.map(SimJSON.string) ?? .null),
            ("template", .string("transactional-v2")),
            ("_id", .string(message.id)),
            ("_version", .string(hex(11))),
        ]
        if !["hard_bounce", "soft_bounce", "reject"].contains(type) {
            msg.append(("opens", .array(type == "open" || type == "click" ? [.object([("ts", .int(clock))])] : [])))
            msg.append(
                (
                    "clicks",
                    .array(type == "click" ? [.object([("ts", .int(clock)), ("url", .string("https://shop.example.com/orders/\(counter)"))])] : [])
                )
            )
        }
        if type == "hard_bounce" || type == "soft_bounce" {
            msg.append(("bounce_description", .string(type == "hard_bounce" ? "bad_mailbox" : "mailbox_full")))
            msg.append(("bgtools_code", .int(type == "hard_bounce" ? 10 : 22)))
            msg.append(("diag", .string("smtp;550 5.1.1 The email account that you tried to reach does not exist.")))
        }
        msg.append(
            (
                "smtp_events",
                .array([
                    .object([
                        ("ts", .int(message.sendTime + 1)), ("type", .string(type == "deferral" ? "deferred" : "sent")),
                        ("diag", .string("250 2.0.0 OK 1764000000 q1si1234")), ("source_ip", .string("198.2.128.1")),
                        ("destination_ip", .string("142.250.1.27")), ("size", .int(4096)),
                    ])
                ])
            )
        )
        msg.append(("resends", .array([])))

        var event: [(String, SimJSON)] = [("event", .string(type)), ("_id", .string(message.id)), ("msg", .object(msg)), ("ts", .int(clock))]
        if type == "open" || type == "click" {
            event.append(("ip", .string("203.0.113.\(random.next(250) + 1)")))
            event.append(("user_agent", .string("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)")))
            event.append(("location", locationValue()))
            event.append(("user_agent_parsed", userAgentValue()))
        }
        if type == "click" {
            event.append(("url", .string("https://shop.example.com/orders/\(counter)?utm_source=mandrill&n=\(clock)")))
        }
        return .object(event)
    }

    private mutating func locationValue() -> SimJSON {
        switch random.next(5) {
        case 0: return .null
        case 1:
            return .object([
                ("country_short", .string("-")), ("country", .string("-")), ("region", .string("-")), ("city", .string("-")),
                ("postal_code", .string("-")), ("timezone", .string("-")),
                ("latitude", .string("INVALID IP ADDRESS")), ("longitude", .string("INVALID IP ADDRESS")),
            ])
        default:
            return .object([
                ("country_short", .string("DE")), ("country", .string("Germany")), ("region", .string("Berlin")),
                ("city", .string("Berlin")), ("postal_code", .string("10115")), ("timezone", .string("+01:00")),
                ("latitude", .number("52.52000659999999")), ("longitude", .number("13.404953999999975")),
            ])
        }
    }

    private mutating func userAgentValue() -> SimJSON {
        random.next(6) == 0
            ? .null
            : .object([
                ("type", .string("Email Client")), ("ua_family", .string("Apple Mail")), ("ua_name", .string("Apple Mail 16.0")),
                ("ua_version", .string("16.0")), ("ua_url", .string("https://www.apple.com/macos/mail/")),
                ("ua_company", .string("Apple Inc.")), ("ua_company_url", .string("https://www.apple.com/")),
                ("ua_icon", .string("https://cdn.mandrill.com/img/email-client-icons/apple-mail.png")),
                ("os_family", .string("OS X")), ("os_name", .string("OS X 10.15")), ("os_url", .string("https://www.apple.com/macos/")),
                ("os_company", .string("Apple Computer, Inc.")), ("os_company_url", .string("https://www.apple.com/")),
                ("os_icon", .string("https://cdn.mandrill.com/img/email-client-icons/macosx.png")), ("mobile", .bool(false)),
            ])
    }

    private static func state(for type: String) -> String {
        switch type {
        case "hard_bounce": "bounced"
        case "soft_bounce": "soft-bounced"
        case "reject": "rejected"
        case "deferral": "deferred"
        case "spam", "unsub", "open", "click", "send", "delivered": "sent"
        default: "sent"
        }
    }

    // MARK: - Sync events

    private mutating func syncEvent(list: String) -> SimJSON {
        counter += 1
        clock += 1
        let email = "list.\(instance)-\(counter)@example.org"
        let action = list == "blacklist" ? ["add", "remove", "change"][random.next(3)] : ["add", "remove"][random.next(2)]
        if list == "blacklist" {
            return .object([
                ("type", .string("blacklist")), ("action", .string(action)),
                (
                    "reject",
                    .object([
                        ("reason", .string("hard-bounce")), ("detail", .string("550 mailbox does not exist")),
                        ("last_event_at", .string("2026-11-28 10:00:00")), ("email", .string(email)),
                        ("created_at", .string("2026-11-28 10:00:00")), ("expires_at", .string("2026-12-28 10:00:00")),
                        ("expired", .bool(false)), ("subaccount", .null), ("sender", .null),
                    ])
                ),
                ("ts", .int(clock)),
            ])
        }
        return .object([
            ("type", .string("whitelist")), ("action", .string(action)),
            ("entry", .object([("email", .string(email)), ("detail", .string("Added manually")), ("created_at", .string("2026-11-28 10:00:00"))])),
            ("ts", .int(clock)),
        ])
    }

    // MARK: - Inbound

    private mutating func inboundEvent() -> SimJSON {
        counter += 1
        clock += 1
        let messageID = "<\(hex(12)).\(counter)@mail.example.net>"
        let attachment = String(repeating: "QUJDREVGR0g=", count: max(1, inboundAttachmentBytes / 12))
        let raw = """
            Received: from mail.example.net (mail.example.net [192.0.2.10])\nMessage-Id: \(messageID)\n\
            From: Customer <customer.\(counter)@example.net>\nTo: support@inbound.example.com\nSubject: Order question\n\
            Content-Type: multipart/mixed; boundary=b1\n\n--b1\nContent-Type: text/plain\n\nWhere is my order?\n--b1\n\
            Content-Type: application/pdf; name=receipt.pdf\nContent-Transfer-Encoding: base64\n\n\(attachment)\n--b1--\n
            """
        let headers: SimJSON =
            random.next(5) == 0
            ? .array([])
            : .object([
                ("Received", .array([.string("from mail.example.net (mail.example.net [192.0.2.10])"), .string("by inbound.mandrillapp.com")])),
                ("Message-Id", .string(messageID)), ("From", .string("Customer <customer.\(counter)@example.net>")),
                ("To", .string("support@inbound.example.com")), ("Subject", .string("Order question")),
            ])
        var msg: [(String, SimJSON)] = [
            ("raw_msg", .string(raw)), ("headers", headers), ("text", .string("Where is my order?\n")),
            ("html", .string("<p>Where is my order?</p>")), ("from_email", .string("customer.\(counter)@example.net")),
            ("from_name", .string("Customer")), ("to", .array([.array([.string("support@inbound.example.com"), .null])])),
            ("email", .string("support@inbound.example.com")), ("subject", .string("Order question")), ("tags", .array([])),
            ("sender", .null), ("template", .null),
            (
                "spam_report",
                .object([
                    ("score", .number("-0.7")),
                    (
                        "matched_rules",
                        .array([
                            .object([
                                ("name", .string("RCVD_IN_DNSWL_LOW")), ("description", .string("Sender listed at https://www.dnswl.org/")),
                                ("score", .number("-0.7")),
                            ])
                        ])
                    ),
                ])
            ),
            ("dkim", .object([("signed", .bool(true)), ("valid", .bool(true))])),
            ("spf", .object([("result", .string("pass")), ("detail", .string("sender SPF authorized"))])),
        ]
        if inboundAttachmentBytes > 0 {
            msg.append(
                (
                    "attachments",
                    .object([
                        (
                            "receipt.pdf",
                            .object([
                                ("name", .string("receipt.pdf")), ("type", .string("application/pdf")), ("content", .string(attachment)),
                                ("base64", .bool(true)),
                            ])
                        )
                    ])
                )
            )
        }
        return .object([("event", .string("inbound")), ("ts", .int(clock)), ("msg", .object(msg))])
    }

    private mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[random.next(16)] })
    }
}

/// A small deterministic generator (SplitMix64), so that runs with one seed repeat exactly.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func nextValue() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A number in `0..<bound`.
    mutating func next(_ bound: Int) -> Int {
        Int(nextValue() % UInt64(bound))
    }
}
