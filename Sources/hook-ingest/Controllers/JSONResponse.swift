import Common
import Hummingbird

extension Response {
    /// A JSON response from bytes we built ourselves (envelopes are never re-encoded).
    static func json(_ status: HTTPResponse.Status = .ok, _ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ status: HTTPResponse.Status = .ok, _ text: String, headers: HTTPFields = [:]) -> Response {
        json(status, Array(text.utf8), headers: headers)
    }
}

/// An HTTP error whose body is `{"error":"…"}`. The message is written for the client and never holds secrets.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    var headers: HTTPFields = [:]
    /// The `outcome` label a webhook POST is counted under, when the status alone does not tell.
    var outcome: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = Array("{\"error\":".utf8)
        JSONString.append(message, to: &body)
        body.append(UInt8(ascii: "}"))
        return .json(status, body, headers: headers)
    }
}
