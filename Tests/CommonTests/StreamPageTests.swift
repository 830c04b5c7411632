import Common
import Testing

@Suite("Stream pages: bounded in bytes, large events resolved")
struct StreamPageTests {
    private func bulk(_ text: String) -> RedisValue { .bulk(Array(text.utf8)) }

    private func entry(_ ms: Int, event: String? = nil, reference: String? = nil, bytes: Int = 0) -> RedisValue {
        var fields: [RedisValue] = [bulk("type"), bulk("open")]
        if let event { fields += [bulk("event"), bulk(event)] }
        if let reference {
            fields += [bulk("event_ref"), bulk(reference), bulk("event_bytes"), bulk(String(bytes))]
        }
        return .array([bulk("\(ms)-0"), .array(fields)])
    }

    @Test("a page stops before the entry that would pass the byte budget, but always keeps one")
    func cutByBytes() {
        let reply = RedisValue.array([entry(1, reference: "k1", bytes: 600), entry(2, reference: "k2", bytes: 600), entry(3, event: "{}")])
        let (page, references) = StreamPage.cut(reply, requested: 10, byteBudget: 1000)
        #expect(page.count == 1 && references == ["k1"])
        #expect(page.lastID == StreamID(milliseconds: 1, sequence: 0))
        #expect(!page.reachedEnd, "a cut page is never the end of the stream")
        let (small, _) = StreamPage.cut(reply, requested: 10, byteBudget: 100)
        #expect(small.count == 1, "the first entry is kept even when it alone passes the budget")
    }

    @Test("entries that are not ours still move the cursor; a short uncut reply is the end")
    func foreignEntries() {
        let reply = RedisValue.array([entry(1, event: "{}"), .array([bulk("2-0"), .array([])])])
        let (page, _) = StreamPage.cut(reply, requested: 10, byteBudget: 1000)
        #expect(page.entries.count == 1 && page.count == 2)
        #expect(page.lastID == StreamID(milliseconds: 2, sequence: 0))
        #expect(page.reachedEnd)
    }

    @Test("an entry whose event is not UTF-8 JSON is not ours: skipped, but it still moves the cursor")
    func invalidEvents() {
        let notUTF8 = RedisValue.array([bulk("1-0"), .array([bulk("type"), bulk("open"), bulk("event"), .bulk([0x22, 0xFF, 0x22])])])
        let notJSON = RedisValue.array([bulk("2-0"), .array([bulk("type"), bulk("open"), bulk("event"), bulk("{oops")])])
        let (page, _) = StreamPage.cut(.array([notUTF8, notJSON, entry(3, event: "{}")]), requested: 10, byteBudget: 1000)
        #expect(page.entries.map(\.id.milliseconds) == [3])
        #expect(page.count == 3)
        #expect(throws: JSONError.self) { try EnvelopeSummary(envelope: [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]) }
    }
}
