import Common
import Foundation
import Simulation
import Testing

@Suite("Event decoding, identity and leniency")
struct MandrillEventTests {
    private func events(_ json: String) throws -> [MandrillEvent] {
        try MandrillBatch(json: json).events
    }

    private func event(_ json: String) throws -> MandrillEvent {
        try #require(try events("[\(json)]").first)
    }

    // MARK: - What is rejected

    @Test(
        "anything but a JSON array of objects is rejected",
        arguments: ["", "{}", "null", "[1]", "[{}, \"x\"]", "[{]", "[{}]x", "[{\"a\":01}]", "[{\"a\":\"\u{01}\"}]", "[{\"a\":tru}]"]
    )
    func rejectsNonArrays(json: String) {
        #expect(throws: JSONError.self) { try MandrillBatch(json: json) }
    }

    @Test("an empty array is a valid, empty batch")
    func emptyBatch() throws {
        #expect(try MandrillBatch(json: " [ ] ").isEmpty)
    }

    @Test("deep nesting is refused instead of overflowing the stack")
    func deepNesting() {
        let json = "[{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}]"
        #expect(throws: JSONError.self) { try MandrillBatch(json: json) }
    }

    // MARK: - Leniency (mandrill-webhooks.md §2 and §5)

    @Test("real quirks are accepted and kept byte for byte")
    func quirksKept() throws {
        let json = """
            {"event":"open","_id":"m1","ts":1365111111,"msg":{"email":"A@Example.com","metadata":[],"tags":[],"_id":"m1"},\
            "location":{"latitude":"INVALID IP ADDRESS","longitude":"INVALID IP ADDRESS"},"user_agent_parsed":null,\
            "brand_new_key":{"nested":[1,2.50,1.0000000000000001e300]}}
            """
        let event = try event(json)
        #expect(event.family == .message)
        #expect(event.type == "open")
        #expect(event.email == "A@Example.com")
        #expect(event.messageID == "m1")
        #expect(String(decoding: event.raw.rawBytes, as: UTF8.self) == json)
    }

    @Test("location null, headers [], and unknown event types are fine")
    func moreQuirks() throws {
        let delivered = try event(#"{"event":"delivered","_id":"m2","ts":1,"msg":{"email":"b@x.io"},"location":null}"#)
        #expect(delivered.type == "delivered")
        let sms = try event(#"{"event":"sms_sent","_id":"m3","ts":2}"#)
        #expect(sms.family == .message)
        #expect(sms.email == "")
        let inbound = try event(#"{"event":"inbound","ts":3,"msg":{"headers":[],"raw_msg":"x","email":"in@x.io"}}"#)
        #expect(inbound.family == .inbound)
        #expect(inbound.messageID == nil)
    }

    @Test("message id falls back to msg._id")
    func messageIDFallback() throws {
        #expect(try event(#"{"event":"send","ts":1,"msg":{"_id":"inner"}}"#).messageID == "inner")
    }

    @Test("sync events: type from `type`, email from `reject` or `entry`")
    func syncEvents() throws {
        let deny = try event(#"{"type":"blacklist","action":"add","ts":5,"reject":{"email":"d@x.io","subaccount":"eu"}}"#)
        #expect(deny.family == .sync)
        #expect(deny.type == "blacklist")
        #expect(deny.email == "d@x.io")
        let allow = try event(#"{"type":"whitelist","action":"remove","ts":6,"entry":{"email":"a@x.io"}}"#)
        #expect(allow.type == "whitelist")
        #expect(allow.email == "a@x.io")
    }

    @Test("an object of neither shape is kept as type unknown")
    func unknownShape() throws {
        let unknown = try event(#"{"hello":"world"}"#)
        #expect(unknown.family == .unknown)
        #expect(unknown.type == "unknown")
    }

    @Test("escaped strings decode, including surrogate pairs")
    func escapes() throws {
        let event = try event(#"{"event":"send","_id":"m","ts":1,"msg":{"email":"\u00e9\ud83d\udcec\/x\"y"}}"#)
        #expect(event.email == "é📬/x\"y")
    }

    // MARK: - Identity (§2.5)

    @Test("seven events of one message have seven identities")
    func lifecycleIdentities() throws {
        var factory = EventFactory(seed: 7)
        let lifecycle = factory.messageLifecycle()
        let parsed = try events(SimJSON.array(lifecycle.events).encoded)
        #expect(parsed.count == 7)
        #expect(Set(parsed.map(\.messageID)) == [lifecycle.id])
        #expect(Set(parsed.map(\.dedupHash)).count == 7)
    }

    @Test("the same event sent twice has the same identity; never the message id alone")
    func retriedEventSameIdentity() throws {
        let json = #"{"event":"click","_id":"m","ts":10,"url":"https://a","ip":"1.2.3.4","user_agent":"UA","msg":{"state":"sent"}}"#
        let retried = #"{"event":"click","_id":"m","ts":10,"url":"https://a","ip":"1.2.3.4","user_agent":"UA","msg":{"state":"later"}}"#
        #expect(try event(json).dedupHash == event(retried).dedupHash)
        let otherURL = json.replacingOccurrences(of: "https://a", with: "https://b")
        let otherTime = json.replacingOccurrences(of: "\"ts\":10", with: "\"ts\":11")
        let otherType = json.replacingOccurrences(of: "click", with: "open")
        for variant in [otherURL, otherTime, otherType] {
            #expect(try event(json).dedupHash != event(variant).dedupHash)
        }
    }

    @Test("sync identity is type, action, email and ts")
    func syncIdentity() throws {
        let add = #"{"type":"blacklist","action":"add","ts":5,"reject":{"email":"d@x.io"}}"#
        let remove = add.replacingOccurrences(of: "\"add\"", with: "\"remove\"")
        #expect(try event(add).dedupHash == event(add).dedupHash)
        #expect(try event(add).dedupHash != event(remove).dedupHash)
    }

    @Test("inbound identity uses Message-Id in any case, as a string or a list, else the raw message")
    func inboundIdentity() throws {
        let a = try event(#"{"event":"inbound","ts":1,"msg":{"email":"s@x","headers":{"Message-Id":"<1@x>"},"raw_msg":"A"}}"#)
        let b = try event(#"{"event":"inbound","ts":1,"msg":{"email":"s@x","headers":{"message-id":["<1@x>"]},"raw_msg":"B"}}"#)
        #expect(a.dedupHash == b.dedupHash)
        let c = try event(#"{"event":"inbound","ts":1,"msg":{"email":"s@x","headers":[],"raw_msg":"A"}}"#)
        let d = try event(#"{"event":"inbound","ts":1,"msg":{"email":"s@x","headers":[],"raw_msg":"B"}}"#)
        #expect(c.dedupHash != d.dedupHash)
        #expect(c.dedupHash != a.dedupHash)
    }

    @Test("every generated type decodes into the family and type it claims", arguments: EventFactory.allTypes)
    func generatedTypes(type: String) throws {
        var factory = EventFactory(seed: 3)
        let parsed = try event(factory.event(type: type).encoded)
        #expect(parsed.type == type)
        #expect(!parsed.email.isEmpty)
    }
}

/// Identities must not change between releases: a marker stored by one version has to match the retry another
/// version receives (Mandrill retries for hours). These were computed once and are pinned.
@Suite("Event identities are stable across releases")
struct MandrillEventIdentityPins {
    static let pinned: [(json: String, type: String, email: String, messageID: String?, hash: String)] = [
        (
            #"{"event":"click","_id":"m1","ts":1700000000,"url":"https:\/\/a.example\/x?y=1","ip":"1.2.3.4","user_agent":"Mozilla \u00e9","msg":{"email":"a@x.io","_id":"ignored"}}"#,
            "click", "a@x.io", "m1", "075c1e62d8480235f385e364a4cc8a39b0141c410bc76545898545df898c035d"
        ),
        (
            #"{"\u0065vent":"open","ts":"1700000001","ts":5,"msg":{"_id":"m2","email":"b\u0040x.io","email":"second"},"_id":""}"#,
            // An empty top-level `_id` is kept over `msg._id`, and means no message id.
            "open", "b@x.io", nil, "9def8baf22b8cfe4afb8b8f013e170e4374893a8d4c9c630de46ee4593ba1128"
        ),
        (
            #"{"type":"whitelist","action":"add","ts":7,"entry":{"email":"c@x.io"}}"#, "whitelist", "c@x.io", nil,
            "bdf53288e618e434ea285f3c28e2cb9cb82d5cd2331d47eb2029bd2d6de00edc"
        ),
        (
            #"{"type":"blacklist","action":"remove","ts":8,"reject":{"email":"d@x.io"},"entry":{"email":"e@x.io"}}"#, "blacklist", "d@x.io", nil,
            "e31e857de82c8d975e636cc2f15da337be5fb3451f4a199df7069146cd8ad4aa"
        ),
        (
            #"{"event":"inbound","ts":9,"msg":{"email":"s@x","headers":{"MESSAGE-ID":["<1@x>","<2@x>"]},"raw_msg":"A"}}"#, "inbound", "s@x", nil,
            "2dabb335b328ac46e4bb7c00eb01eed30ee43ce7d85a11ca32005ada64d5185f"
        ),
        (
            #"{"event":"inbound","ts":9,"msg":{"email":"s@x","headers":[],"raw_msg":"line\nnext"}}"#, "inbound", "s@x", nil,
            "b83e1500162c78dd52a0c50a2e1f3bb20a3237fdf28b299536638f6f8e55d60c"
        ),
        (
            #"{"event":"inbound","ts":9,"msg":{"email":"s@x"}}"#, "inbound", "s@x", nil,
            "6a3f465e5857455d7b50cdd1d17b7ce50430243e1c28c40ded54cf2961fd2e4c"
        ),
        (#"{"something":"else","ts":1}"#, "unknown", "", nil, "a605db940a41e93436c43529f8f04808bf2eca5662029037772229a0b21edabb"),
        (#"{"event":"","type":"","msg":[]}"#, "unknown", "", nil, "bb621627d8ea14e617196b97f8cac9d961d7315b4b09e55bb90ebc8a2a10f83d"),
    ]

    @Test("each pinned event keeps its type, email, message id and identity")
    func pinnedIdentities() throws {
        for pin in Self.pinned {
            let event = try #require(try MandrillBatch(json: "[\(pin.json)]").events.first)
            #expect(event.type == pin.type, "\(pin.json)")
            #expect(event.email == pin.email, "\(pin.json)")
            #expect(event.messageID == pin.messageID, "\(pin.json)")
            #expect(event.dedupHash == pin.hash, "\(pin.json)")
        }
    }
}
