import NetClients

/// A Server-Sent Events reader that reconnects the way a browser's `EventSource` does: whenever its stream ends,
/// it sends the same request again with `Last-Event-ID: <last id seen>`, so that it misses nothing. Records every
/// event id it received, in order, and every response that was not a stream.
package final class ResumingSSEClient: Sendable {
    private struct State {
        var ids: [String] = []
        /// The `data` of every `event: control` message, in order.
        var controls: [String] = []
        var connections = 0
        /// Status lines of answers other than 200 (an `EventSource` would give up on them).
        var refusals: [String] = []
        var stopped = false
    }

    private let state = Locked(State())
    private let task: Task<Void, Never>

    /// - Parameters:
    ///   - host: the `Host` header (the gateway allows loopback names by default).
    ///   - receiveBufferSize: see ``SSEClient/open(port:path:headers:host:receiveBufferSize:)``.
    package init(port: Int, path: String = "/sse/email/", host: String? = nil, receiveBufferSize: Int? = nil) {
        let state = self.state
        task = Task {
            while !state.value.stopped && !Task.isCancelled {
                let headers = state.value.ids.last.map { [("Last-Event-ID", $0)] } ?? []
                guard
                    let stream = try? await SSEClient.open(port: port, path: path, headers: headers, host: host, receiveBufferSize: receiveBufferSize)
                else {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                guard stream.head.status == 200 else {
                    state.withLock { $0.refusals.append(stream.head.statusLine) }
                    stream.close()
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                state.withLock { $0.connections += 1 }
                while !state.value.stopped {
                    let event: SSEClient.Event?
                    do {
                        event = try await stream.next(timeout: .seconds(1))
                    } catch {
                        // Nothing complete for a second: an idle stream, not an ended one. Keep waiting, as a browser does.
                        continue
                    }
                    guard let event else { break }
                    if event.event == "control" {
                        state.withLock { $0.controls.append(event.data) }
                    } else if event.event == nil, let id = event.id {
                        state.withLock { $0.ids.append(id) }
                    }
                }
                stream.close()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Ids of the events received, in order, over every connection.
    package var ids: [String] { state.value.ids }
    package var controls: [String] { state.value.controls }
    /// Whether the current or an earlier stream announced `live`.
    package var wasLive: Bool { controls.contains { $0.contains(#""control":"live""#) } }
    /// Streams opened (answered 200) so far.
    package var connections: Int { state.value.connections }
    package var refusals: [String] { state.value.refusals }

    /// Stops reconnecting and closes the stream within a second (cancelling would make the socket's waits spin).
    package func stop() {
        state.withLock { $0.stopped = true }
    }

    deinit {
        task.cancel()
    }
}
