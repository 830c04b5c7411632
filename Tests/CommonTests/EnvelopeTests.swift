import Common
import Testing

@Suite("Envelope, filters and stream ids")
struct EnvelopeTests {
    @Test("an envelope built from parts parses back to the same routing attributes")
    func envelopeRoundTrip() throws {
        let event = Array(#"{"event":"open","msg":{"tags":["a","b"],"subaccount":"eu","email":"X@Y.z"}}"#.utf8)
        let envelope = Envelope.make(id: "17-3", type: "open", email: "X@Y.z\"", event: event)
        #expect(
            String(decoding: envelope, as: UTF8.self)
                == #"{"id":"17-3","type":"open","email":"X@Y.z\"","event":{"event":"open","msg":{"tags":["a","b"],"subaccount":"eu","email":"X@Y.z"}}}"#
        )
        let summary = try EnvelopeSummary(envelope: envelope)
        #expect(summary.id == StreamID(milliseconds: 17, sequence: 3))
        #expect(summary.attributes == EventAttributes(type: "open", email: "x@y.z\"", tags: ["a", "b"], subaccount: "eu"))
    }

    @Test("non-envelopes are refused", arguments: ["", "[]", #"{"type":"open"}"#, #"{"id":"nope"}"#, "{"])
    func badEnvelopes(text: String) {
        #expect(throws: JSONError.self) { try EnvelopeSummary(envelope: Array(text.utf8)) }
    }

    @Test("filters: AND across fields, OR inside one, email case-insensitive")
    func filters() {
        let event = EventAttributes(type: "click", email: "Ada@Example.com", tags: ["welcome", "eu"], subaccount: "acme")
        #expect(EventFilter().matches(event))
        #expect(EventFilter(types: "open,click", emails: nil, tags: nil, subaccounts: nil).matches(event))
        #expect(!EventFilter(types: "open", emails: nil, tags: nil, subaccounts: nil).matches(event))
        #expect(EventFilter(types: nil, emails: "ADA@example.COM", tags: nil, subaccounts: nil).matches(event))
        #expect(EventFilter(types: "click", emails: "x@y, ada@example.com", tags: "eu", subaccounts: "acme").matches(event))
        #expect(!EventFilter(types: "click", emails: nil, tags: "other", subaccounts: nil).matches(event))
        #expect(!EventFilter(types: "click", emails: nil, tags: nil, subaccounts: "globex").matches(event))
        #expect(EventFilter(types: " , ", emails: "", tags: nil, subaccounts: nil).matchesEverything)
    }

    @Test("stream ids parse, order and print")
    func streamIDs() throws {
        #expect(StreamID("1-2") == StreamID(milliseconds: 1, sequence: 2))
        #expect(StreamID("5") == StreamID(milliseconds: 5, sequence: 0))
        for bad in ["", "-", "1-", "-1", "a-1", "1-2-3", "1 -2", "+", "99999999999999999999999-0"] {
            #expect(StreamID(bad) == nil, "\(bad)")
        }
        let later = try #require(StreamID("2-0"))
        let earlier = try #require(StreamID("1-99"))
        #expect(later > earlier)
        #expect(try #require(StreamID("3-4")).description == "3-4")
    }

    @Test("JSON strings escape quotes, backslashes and control characters")
    func jsonStrings() {
        #expect(String(decoding: JSONString.encode("a\"b\\c\n\u{01}é"), as: UTF8.self) == #""a\"b\\c\n\u0001é""#)
    }
}
