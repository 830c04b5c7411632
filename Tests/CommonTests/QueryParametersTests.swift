import Common
import Testing

@Suite("One query parser for both processes")
struct QueryParametersTests {
    @Test("hostile shapes are skipped or refused, never a crash", arguments: ["=", "a=b&=", "&&&=&", "=x&=y", "&"])
    func namelessPairs(query: String) throws {
        let parsed = try QueryParameters(parsing: query[...])
        #expect(parsed.names.allSatisfy { !$0.isEmpty })
    }

    @Test("broken escapes and invalid UTF-8 are errors", arguments: ["%", "a=%4", "a=%zz", "%ff=1", "since=%ff", "a=%C3%28"])
    func brokenEscapes(query: String) {
        #expect(throws: QueryError.self) { try QueryParameters(parsing: query[...]) }
    }

    @Test("+ is a space and %2B a plus, the same as in a form body")
    func plusAndEscapes() throws {
        let parsed = try QueryParameters(parsing: "email=a+b%40x.com&tag=a%2Bb&types=open,click&flag"[...])
        #expect(parsed["email"] == "a b@x.com")
        #expect(parsed["tag"] == "a+b")
        #expect(parsed["types"] == "open,click")
        #expect(parsed["flag"] == "")
        #expect(parsed["missing"] == nil)
    }

    @Test("the first value of a repeated name counts")
    func repeatedName() throws {
        #expect(try QueryParameters(parsing: "a=1&a=2"[...])["a"] == "1")
    }

    @Test("more than the maximum number of pairs is refused")
    func tooMany() throws {
        let query = (0..<(QueryParameters.maximumCount + 1)).map { "p\($0)=1" }.joined(separator: "&")
        #expect(throws: QueryError.self) { try QueryParameters(parsing: query[...]) }
        let exactly = (0..<QueryParameters.maximumCount).map { "p\($0)=1" }.joined(separator: "&")
        #expect(try QueryParameters(parsing: exactly[...]).names.count == QueryParameters.maximumCount)
    }

    @Test("a URI's query is everything after the first ?")
    func uri() throws {
        #expect(try QueryParameters(uri: "/api/events/?type=open&x=a?b")["x"] == "a?b")
        #expect(try QueryParameters(uri: "/api/events/").names.isEmpty)
    }
}
