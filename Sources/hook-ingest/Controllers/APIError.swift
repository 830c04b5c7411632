import Common
import HTTPServing
import Hummingbird

/// An HTTP error whose body is `{"error":"…"}`. The message is written for the client and never holds secrets.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    var headers: HTTPFields = [:]
    /// The `outcome` label a webhook POST is counted under, when the status alone does not tell.
    var outcome: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(status, JSONString.errorObject(message), headers: headers)
    }
}
