/// What routing needs from an envelope, read once per envelope (never per client).
package struct EnvelopeSummary: Sendable {
    package let id: StreamID
    package let attributes: EventAttributes

    /// Reads a published envelope. Throws when the bytes are not an envelope (anything may be PUBLISHed).
    package init(envelope bytes: [UInt8]) throws(JSONError) {
        try JSONValidator.validate(bytes)
        let root = RawJSON(validated: bytes)
        guard root.kind == .object else { throw JSONError("envelope is not an object", at: 0) }
        var idText: String?
        var type = ""
        var email = ""
        var event: RawJSON?
        for member in root.members {
            switch member.key {
            case "id": idText = member.value.string
            case "type": type = member.value.string ?? ""
            case "email": email = member.value.string ?? ""
            case "event": event = member.value
            default: continue
            }
        }
        guard let idText, let id = StreamID(idText) else { throw JSONError("envelope has no valid id", at: 0) }
        self.id = id
        self.attributes = EventAttributes(type: type, email: email, event: event)
    }
}
