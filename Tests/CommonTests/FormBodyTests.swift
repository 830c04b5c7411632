import Common
import Testing

@Suite("Form decoding")
struct FormBodyTests {
    private func decode(_ text: String) throws -> FormBody {
        try FormBody(decodingInPlace: Array(text.utf8))
    }

    @Test("+ is a space and %2B is a plus")
    func plusAndSpace() throws {
        let form = try decode("a=hello+world%2B1&b=%20x")
        #expect(form["a"] == "hello world+1")
        #expect(form["b"] == " x")
    }

    @Test("percent escapes decode to UTF-8, upper or lower case hex")
    func percentEscapes() throws {
        #expect(try decode("s=%E2%9C%93%e2%9c%93")["s"] == "✓✓")
    }

    @Test("invalid UTF-8 is rejected")
    func invalidUTF8() {
        #expect(throws: FormDecodingError.self) { try decode("s=%FF%FE") }
        #expect(throws: FormDecodingError.self) { try decode("%C3=x") }
    }

    @Test("a repeated name is rejected")
    func repeatedName() {
        #expect(throws: FormDecodingError.self) { try decode("mandrill_events=%5B%5D&mandrill_events=%5B%5D") }
    }

    @Test("broken percent escapes are rejected", arguments: ["a=%", "a=%4", "a=%GG", "a=%%41"])
    func brokenEscapes(body: String) {
        #expect(throws: FormDecodingError.self) { try decode(body) }
    }

    @Test("empty fields and separators are tolerated")
    func emptyParts() throws {
        let form = try decode("&a=1&&b=&c")
        #expect(form.fields.map(\.name) == ["a", "b", "c"])
        #expect(form["b"] == "")
        #expect(form["c"] == "")
        #expect(try decode("").fields.isEmpty)
    }

    @Test("only the first = separates name from value")
    func equalsInValue() throws {
        #expect(try decode("a=b=c")["a"] == "b=c")
    }

    @Test("encoding round-trips through decoding")
    func roundTrip() throws {
        let fields = [(name: "mandrill_events", value: "[{\"a\":\"x y/z+é\\n\"}]"), (name: "k", value: "~._-")]
        let decoded = try FormBody(decodingInPlace: FormBody.encode(fields))
        #expect(decoded == FormBody(fields: fields))
    }

    @Test("more fields than the limit are refused at the first extra one, before any string is made")
    func fieldLimit() throws {
        #expect(try FormBody(decodingInPlace: Array("a=1&b=2".utf8), maxFields: 2).count == 2)
        #expect(throws: FormDecodingError.self) { try FormBody(decodingInPlace: Array("a=1&b=2&c=3".utf8), maxFields: 2) }
        // Five million short names: refused as soon as the ninth appears.
        var bomb: [UInt8] = []
        bomb.reserveCapacity(40_000_000)
        for index in 0..<5_000_000 { bomb.append(contentsOf: "a\(index)=&".utf8) }
        #expect(throws: FormDecodingError.self) { try FormBody(decodingInPlace: bomb) }
    }

    @Test("values are ranges of the decoded body: the signature and the batch read them without copies")
    func valueRanges() throws {
        let form = try decode("b=2&mandrill_events=%5B%5D&a=1")
        let range = try #require(form.valueRange(named: "mandrill_events"))
        #expect(Array(form.storage[range]) == Array("[]".utf8))
        var signed: [String] = []
        form.forEachSignedField { name, value in signed.append(String(decoding: name, as: UTF8.self) + String(decoding: value, as: UTF8.self)) }
        #expect(signed == ["a1", "b2", "mandrill_events[]"])
    }
}
