import Common

/// What a client asked for in the `/ws/email/` query: filters plus where to start.
struct StreamRequest: Sendable, Equatable {
    enum Start: Sendable, Equatable {
        /// Live events only.
        case live
        /// Everything after this id that matches, then live.
        case since(StreamID)
        /// The last N matching events, then live.
        case backlog(Int)
    }

    let filter: EventFilter
    let start: Start

    /// Parses the query; the error text is returned to the client as the reason for a 400.
    init(query: [String: String], maxBacklog: Int) throws(RequestError) {
        filter = EventFilter(types: query["types"], emails: query["email"], tags: query["tag"], subaccounts: query["subaccount"])
        let since = query["since"].flatMap { $0.isEmpty ? nil : $0 }
        let backlog = query["backlog"].flatMap { $0.isEmpty ? nil : $0 }
        switch (since, backlog) {
        case (.some, .some):
            throw RequestError("use either since= or backlog=, not both")
        case (.some(let text), nil):
            guard let id = StreamID(text) else { throw RequestError("since must be a stream id such as 1764412345678-0") }
            start = .since(id)
        case (nil, .some(let text)):
            guard let count = Int(text), count >= 0, count <= maxBacklog else {
                throw RequestError("backlog must be a number from 0 to \(maxBacklog)")
            }
            start = count == 0 ? .live : .backlog(count)
        case (nil, nil):
            start = .live
        }
    }

    struct RequestError: Error, Equatable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
