/// Encodes text as a JSON string literal: `"`, `\` and control characters escaped, everything else as UTF-8.
///
/// Used for the envelope's `type` and `email`, so that hook-ingest and the gateways produce identical bytes.
package enum JSONString {
    /// `{"error":"…"}`: the body of every error both processes answer with.
    package static func errorObject(_ message: String) -> [UInt8] {
        var body = Array("{\"error\":".utf8)
        append(message, to: &body)
        body.append(UInt8(ascii: "}"))
        return body
    }

    package static func append(_ text: String, to output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    package static func encode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        append(text, to: &output)
        return output
    }
}
