/// The JSON envelope that the channel message and the WebSocket frame carry, byte for byte:
/// `{"id":"<stream id>","type":"open","email":"…","event":{…the event as Mandrill sent it…}}`.
///
/// The stream entry holds the same parts as fields (`type`, `email`, `event`) with the entry id as `id`;
/// ``make(id:type:email:event:)`` rebuilds the identical bytes from them.
package enum Envelope {
    /// Everything between `"id":"<id>",` and the event: `"type":"open","email":"a@b","event":`.
    package static func head(type: String, email: String) -> [UInt8] {
        var output = Array("\"type\":".utf8)
        JSONString.append(type, to: &output)
        output.append(contentsOf: Array(",\"email\":".utf8))
        JSONString.append(email, to: &output)
        output.append(contentsOf: Array(",\"event\":".utf8))
        return output
    }

    package static func make(id: String, head: [UInt8], event: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(id.utf8.count + head.count + event.count + 10)
        output.append(contentsOf: Array("{\"id\":\"".utf8))
        output.append(contentsOf: Array(id.utf8))
        output.append(contentsOf: Array("\",".utf8))
        output.append(contentsOf: head)
        output.append(contentsOf: event)
        output.append(UInt8(ascii: "}"))
        return output
    }

    package static func make(id: String, type: String, email: String, event: [UInt8]) -> [UInt8] {
        make(id: id, head: head(type: type, email: email), event: event[...])
    }
}
