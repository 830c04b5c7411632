import Common
import Crypto
import Foundation

/// A webhook POST body, the first bytes hook-ingest reads from anyone on the internet: decode it, sign it, and
/// read its batch, checking each step against an independent reading.
enum FormFuzzer {
    static let url = "https://hooks.example.com/mandrill/events"
    static let key = "fuzz-webhook-key"

    static func run(_ input: [UInt8]) {
        checkMediaType(String(decoding: input.prefix(256), as: UTF8.self))
        // API: FormBody(decodingInPlace:maxFields:) and its decoded fields, as hook-ingest calls it.
        let form = try? FormBody(decodingInPlace: input, maxFields: FormBody.defaultMaxFields)
        let fields = form?.fields
        let reference = ReferenceDecoding.form(input).flatMap { $0.count > FormBody.defaultMaxFields ? nil : $0 }
        invariant(ReferenceDecoding.same(fields, reference), "FormBody \(describe(fields)) but reference \(describe(reference))")
        guard let form, let fields else { return }

        let reencoded = FormBody.encode(fields)
        invariant(ReferenceDecoding.same((try? FormBody(decodingInPlace: reencoded))?.fields, fields), "FormBody.encode does not round-trip")

        checkSignature(fields)
        // The decoded form itself, sorted once at decoding, must verify the same as its fields.
        let header = MandrillSignature.header(url: url, fields: fields, key: key)
        invariant(MandrillSignature.matchingKey(header: header, url: url, form: form, keys: ["other-key", key]) == 1, "the form did not verify")
        if let events = form.valueRange(named: "mandrill_events") {
            BatchChecks.check(bytes: form.storage, range: events)
        }
    }

    /// The `Content-Type` check, read as bytes, must agree with a reading by Unicode scalars: the media type before
    /// the first `;`, spaces and tabs trimmed, ASCII letters lowercased, nothing else changed.
    private static func checkMediaType(_ header: String) {
        // API: FormBody.isFormMediaType(_:), as hook-ingest checks every POST's Content-Type.
        var scalars = Array(header.unicodeScalars.prefix { $0 != ";" })
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        let lowered = scalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }
        let reference = String(String.UnicodeScalarView(lowered)) == "application/x-www-form-urlencoded"
        invariant(FormBody.isFormMediaType(header) == reference, "Content-Type \(header.debugDescription): bytes and scalars disagree")
        invariant(!FormBody.isFormMediaType(nil), "a missing Content-Type was accepted")
    }

    /// The header we compute must be the one an independent HMAC over Mandrill's documented message gives, and
    /// `matchingKey` must find exactly the key that made it, whatever order the fields came in.
    private static func checkSignature(_ fields: [ReferenceDecoding.Pair]) {
        // API: MandrillSignature.header(url:fields:key:) and matchingKey(header:url:fields:keys:).
        let header = MandrillSignature.header(url: url, fields: fields, key: key)
        func matching(_ fields: [ReferenceDecoding.Pair], _ keys: [String]) -> Int? {
            MandrillSignature.matchingKey(header: header, url: url, fields: fields, keys: keys)
        }

        invariant(header == referenceHeader(fields), "signature differs from url + fields sorted by name")
        invariant(matching(fields, ["other-key", key, key]) == 1, "matchingKey did not find the signing key")
        invariant(matching(fields.reversed(), [key]) == 0, "field order changed the signature")
        invariant(matching(fields, ["other-key"]) == nil, "a wrong key matched")
        if !fields.isEmpty {
            var tampered = fields
            tampered[0].value += "x"
            invariant(matching(tampered, [key]) == nil, "a changed value still matched")
        }
    }

    /// base64(HMAC-SHA1(key, url + name₁ + value₁ + …)), names sorted bytewise, as Mandrill's docs give it.
    private static func referenceHeader(_ fields: [ReferenceDecoding.Pair]) -> String {
        var message = Array(url.utf8)
        for field in fields.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            message += Array(field.name.utf8) + Array(field.value.utf8)
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8)))
        return Data(mac).base64EncodedString()
    }

    private static func describe(_ fields: [ReferenceDecoding.Pair]?) -> String {
        fields.map { "\($0.map { "\($0.name.debugDescription)=\($0.value.debugDescription)" })" } ?? "refused"
    }
}
