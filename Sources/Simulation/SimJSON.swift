/// A JSON value with ordered keys, written the way Mandrill's PHP writes JSON: compact, `/` escaped as `\/`,
/// and every non-ASCII character as `\uXXXX` (surrogate pairs for emoji). Two real captures were reproduced
/// byte for byte with these rules (mandrill-webhooks.md §1.1).
package indirect enum SimJSON: Sendable, Equatable {
    case object([(String, SimJSON)])
    case array([SimJSON])
    case string(String)
    case int(Int)
    /// A number written exactly as given (for coordinates and scores).
    case number(String)
    case bool(Bool)
    case null

    package static func == (lhs: SimJSON, rhs: SimJSON) -> Bool {
        lhs.encoded == rhs.encoded
    }

    package var encoded: String {
        var output: [UInt8] = []
        encode(into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    package func encode(into output: inout [UInt8]) {
        switch self {
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.encodeString(member.0, into: &output)
                output.append(UInt8(ascii: ":"))
                member.1.encode(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.encode(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .string(let text):
            Self.encodeString(text, into: &output)
        case .int(let value):
            output.append(contentsOf: Array(String(value).utf8))
        case .number(let text):
            output.append(contentsOf: Array(text.utf8))
        case .bool(let value):
            output.append(contentsOf: Array((value ? "true" : "false").utf8))
        case .null:
            output.append(contentsOf: Array("null".utf8))
        }
    }

    private static func encodeString(_ text: String, into output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        func appendUnit(_ unit: UInt16) {
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
            for shift in stride(from: 12, through: 0, by: -4) { output.append(hex[Int((unit >> UInt16(shift)) & 0xF)]) }
        }
        output.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append(contentsOf: Array("\\\"".utf8))
            case "\\": output.append(contentsOf: Array("\\\\".utf8))
            case "/": output.append(contentsOf: Array("\\/".utf8))
            case "\n": output.append(contentsOf: Array("\\n".utf8))
            case "\r": output.append(contentsOf: Array("\\r".utf8))
            case "\t": output.append(contentsOf: Array("\\t".utf8))
            default:
                if scalar.value < 0x20 {
                    appendUnit(UInt16(scalar.value))
                } else if scalar.value < 0x80 {
                    output.append(UInt8(scalar.value))
                } else {
                    for unit in String(scalar).utf16 { appendUnit(unit) }
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
