package import HTTPTypes
package import Hummingbird
import NIOCore

extension Response {
    /// A JSON response from bytes we built ourselves (envelopes are never re-encoded).
    package static func json(_ status: HTTPResponse.Status = .ok, _ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    package static func json(_ status: HTTPResponse.Status = .ok, _ text: String, headers: HTTPFields = [:]) -> Response {
        json(status, Array(text.utf8), headers: headers)
    }
}
