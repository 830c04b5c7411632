/// Why a JSON document was rejected, with the byte offset where parsing stopped.
package struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    package let reason: String
    package let offset: Int

    package init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    package var description: String { "\(reason) at byte \(offset)" }
}
