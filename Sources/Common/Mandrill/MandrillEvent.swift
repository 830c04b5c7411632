import Crypto

/// One event of a Mandrill batch: its bytes exactly as sent, plus what storing and routing it needs.
///
/// Decoding is lenient on purpose (mandrill-webhooks.md §5.6): unknown event types, new keys, `metadata: []`,
/// `headers: []`, string latitudes and nulls are all accepted and kept as sent. A strict decoder would turn
/// one odd event into a non-200, a retried batch, and eventually a disabled webhook.
package struct MandrillEvent: Sendable {
    package enum Family: String, Sendable {
        /// `send`, `deferral`, `hard_bounce`, `soft_bounce`, `open`, `click`, `spam`, `unsub`, `reject`, `delivered`, …
        case message
        /// Deny/allow-list changes: no `event` key, `type` is `blacklist` or `whitelist`.
        case sync
        /// Inbound mail: `event` is `inbound`, and there is no `_id`.
        case inbound
        /// Neither shape; kept and published as type `unknown` rather than rejecting an authentic batch.
        case unknown
    }

    /// The event object as Mandrill sent it.
    package let raw: RawJSON
    package let family: Family
    /// The envelope's `type`: `event` for message events, `type` for sync events, `inbound`, or `unknown`.
    package let type: String
    /// The envelope's `email`: `msg.email`, or `reject.email` / `entry.email` for sync events; empty when absent.
    package let email: String
    /// Mandrill's message id (`_id`, falling back to `msg._id`): shared by every event of one message.
    package let messageID: String?
    /// The event's `ts` as sent (digits, never rounded), used to keep the newest `msg` snapshot.
    package let timestamp: String
    /// The `msg` object as sent, for the message record.
    package let messageSnapshot: RawJSON?
    /// Hex SHA-256 of the event's identity (mandrill-webhooks.md §2.5); never `_id` alone.
    package let dedupHash: String

    package init(raw: RawJSON) {
        self.raw = raw
        let members = raw.members
        func member(_ key: String) -> RawJSON? { members.first { $0.key == key }?.value }
        let msg = member("msg").flatMap { $0.kind == .object ? $0 : nil }
        let msgMembers = msg?.members ?? []
        func msgMember(_ key: String) -> RawJSON? { msgMembers.first { $0.key == key }?.value }

        timestamp = member("ts")?.scalarText ?? ""
        let eventName = member("event")?.scalarText
        let syncType = member("type")?.scalarText
        if eventName == "inbound" {
            family = .inbound
        } else if let eventName, !eventName.isEmpty {
            family = .message
        } else if let syncType, !syncType.isEmpty {
            family = .sync
        } else {
            family = .unknown
        }

        switch family {
        case .message:
            type = eventName ?? "unknown"
            email = msgMember("email")?.scalarText ?? ""
            messageID = (member("_id")?.scalarText ?? msgMember("_id")?.scalarText).flatMap { $0.isEmpty ? nil : $0 }
            messageSnapshot = msg
            dedupHash = Self.hash([
                "message", type, messageID ?? "", timestamp,
                member("url")?.scalarText ?? "", member("ip")?.scalarText ?? "", member("user_agent")?.scalarText ?? "",
            ])
        case .sync:
            type = syncType ?? "unknown"
            let entry = member("reject").flatMap { $0.kind == .object ? $0 : nil } ?? member("entry")
            email = entry?["email"]?.scalarText ?? ""
            messageID = nil
            messageSnapshot = nil
            dedupHash = Self.hash(["sync", type, member("action")?.scalarText ?? "", email, timestamp])
        case .inbound:
            type = "inbound"
            email = msgMember("email")?.scalarText ?? ""
            messageID = nil
            messageSnapshot = nil
            let identity =
                Self.inboundMessageID(headers: msgMember("headers"))
                ?? msgMember("raw_msg").map { "sha256:" + Self.hexSHA256($0.string.map { Array($0.utf8) } ?? Array($0.rawBytes)) }
                ?? "sha256:" + Self.hexSHA256(Array(raw.rawBytes))
            dedupHash = Self.hash(["inbound", identity, timestamp, email])
        case .unknown:
            type = "unknown"
            email = ""
            messageID = nil
            messageSnapshot = nil
            dedupHash = Self.hash(["unknown", Self.hexSHA256(Array(raw.rawBytes))])
        }
    }

    /// The `Message-Id` header of an inbound mail (any capitalisation; a repeated header uses the first value).
    private static func inboundMessageID(headers: RawJSON?) -> String? {
        guard let headers, headers.kind == .object else { return nil }
        guard let value = headers.members.first(where: { $0.key.lowercased() == "message-id" })?.value else { return nil }
        let text = value.kind == .array ? value.elements.first?.scalarText : value.scalarText
        guard let text, !text.isEmpty else { return nil }
        return "message-id:" + text
    }

    /// Hashes the fields length-prefixed, so that no two different tuples share an encoding.
    private static func hash(_ fields: [String]) -> String {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(fields.reduce(0) { $0 + $1.utf8.count + 8 })
        for field in fields {
            encoded.append(contentsOf: String(field.utf8.count).utf8)
            encoded.append(UInt8(ascii: ":"))
            encoded.append(contentsOf: field.utf8)
        }
        return SHA256.hash(data: encoded).hexString
    }

    private static func hexSHA256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).hexString
    }
}

extension Sequence<UInt8> {
    package var hexString: String {
        var output: [UInt8] = []
        output.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)
