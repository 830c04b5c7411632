import Common
import Foundation
import Testing

@Suite("X-Mandrill-Signature against real captures")
struct SignatureTests {
    @Test("both captures verify", arguments: [PeerVector.rails, PeerVector.dotnet])
    func realCapturesVerify(name: String) throws {
        let vector = try PeerVector.load(name)
        let fields = [(name: "mandrill_events", value: vector.mandrillEvents)]
        #expect(MandrillSignature.header(url: vector.url, fields: fields, key: vector.key) == vector.expectedSignature)
        #expect(MandrillSignature.matchingKey(header: vector.expectedSignature, url: vector.url, fields: fields, keys: [vector.key]) == 0)
    }

    @Test("the raw captured body decodes to fields that verify, and our encoder reproduces it byte for byte")
    func rawBodyRoundTrip() throws {
        let vector = try PeerVector.load(PeerVector.rails)
        let body = try #require(vector.formBody)
        let form = try FormBody(decodingInPlace: Array(body.utf8))
        #expect(form.fields.count == 1)
        #expect(form["mandrill_events"] == vector.mandrillEvents)
        #expect(MandrillSignature.matchingKey(header: vector.expectedSignature, url: vector.url, fields: form.fields, keys: [vector.key]) == 0)
        #expect(FormBody.encode(form.fields) == Array(body.utf8))
    }

    @Test("the URL with ?oof=1 appended must not match")
    func negativeURLFails() throws {
        let vector = try PeerVector.load(PeerVector.dotnet)
        let negative = try #require(vector.negativeURL)
        let fields = [(name: "mandrill_events", value: vector.mandrillEvents)]
        #expect(MandrillSignature.matchingKey(header: vector.expectedSignature, url: negative, fields: fields, keys: [vector.key]) == nil)
    }

    @Test("a trailing slash, another scheme or another key fails")
    func smallDifferencesFail() throws {
        let vector = try PeerVector.load(PeerVector.dotnet)
        let fields = [(name: "mandrill_events", value: vector.mandrillEvents)]
        for url in [vector.url + "/", vector.url.replacingOccurrences(of: "http://", with: "https://")] {
            #expect(MandrillSignature.matchingKey(header: vector.expectedSignature, url: url, fields: fields, keys: [vector.key]) == nil)
        }
        #expect(MandrillSignature.matchingKey(header: vector.expectedSignature, url: vector.url, fields: fields, keys: ["other"]) == nil)
    }

    @Test("rotation: any configured key verifies, and the index says which")
    func keyRotation() throws {
        let vector = try PeerVector.load(PeerVector.dotnet)
        let fields = [(name: "mandrill_events", value: vector.mandrillEvents)]
        let keys = ["new-key-not-yet-used", vector.key]
        #expect(MandrillSignature.matchingKey(header: vector.expectedSignature, url: vector.url, fields: fields, keys: keys) == 1)
    }

    @Test("malformed headers never match", arguments: ["", "not base64!", "AAAA", "NnvRYvKo0gA99/YGgRSb2JS4c/Y"])
    func malformedHeader(header: String) throws {
        let vector = try PeerVector.load(PeerVector.dotnet)
        let fields = [(name: "mandrill_events", value: vector.mandrillEvents)]
        #expect(MandrillSignature.matchingKey(header: header, url: vector.url, fields: fields, keys: [vector.key]) == nil)
    }

    @Test("fields are signed sorted by name, name then value, with no delimiter")
    func fieldOrder() {
        let unsorted = [(name: "b", value: "2"), (name: "a", value: "1")]
        let sorted = [(name: "a", value: "1"), (name: "b", value: "2")]
        let key = "k"
        #expect(MandrillSignature.header(url: "u", fields: unsorted, key: key) == MandrillSignature.header(url: "u", fields: sorted, key: key))
        #expect(MandrillSignature.header(url: "u", fields: sorted, key: key) == MandrillSignature.header(url: "ua1b2", fields: [], key: key))
    }
}
