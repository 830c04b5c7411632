/// What a stream client asked for in its query: filters plus where to start. Parsed the same way for every path
/// that serves a stream.
package struct StreamRequest: Sendable, Equatable {
    package enum Start: Sendable, Equatable {
        /// Live events only.
        case live
        /// Everything after this id that matches, then live.
        case since(StreamID)
        /// The last N matching events, then live.
        case backlog(Int)
    }

    package let filter: EventFilter
    package let start: Start

    package init(filter: EventFilter, start: Start) {
        self.filter = filter
        self.start = start
    }

    /// Parses the query; the error text is returned to the client as the reason for a 400.
    package init(query: QueryParameters, maxBacklog: Int) throws(QueryError) {
        filter = EventFilter(types: query["types"], emails: query["email"], tags: query["tag"], subaccounts: query["subaccount"])
        let since = query["since"].flatMap { $0.isEmpty ? nil : $0 }
        let backlog = query["backlog"].flatMap { $0.isEmpty ? nil : $0 }
        switch (since, backlog) {
        case (.some, .some):
            throw QueryError("use either since= or backlog=, not both")
        case (.some(let text), nil):
            guard let id = StreamID(text) else { throw QueryError("since must be a stream id such as 1764412345678-0") }
            start = .since(id)
        case (nil, .some(let text)):
            guard let count = Int(text), count >= 0, count <= maxBacklog else {
                throw QueryError("backlog must be a number from 0 to \(maxBacklog)")
            }
            start = count == 0 ? .live : .backlog(count)
        case (nil, nil):
            start = .live
        }
    }

    /// The same request restricted to what a token's scope allows (see ``EventFilter/narrowed(by:)``).
    package func narrowed(by scope: ReaderScope) -> StreamRequest {
        scope.pinsNothing ? self : StreamRequest(filter: filter.narrowed(by: scope), start: start)
    }
}
