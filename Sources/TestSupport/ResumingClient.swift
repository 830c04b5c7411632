package import Common
import Foundation
import NetClients

/// A stream client that behaves as the README tells users to: on any disconnect it reconnects with
/// `since=<last id seen>`, so that it misses nothing. Records every event id it received, in order.
package final class ResumingClient: Sendable {
    private struct State {
        var ids: [StreamID] = []
        var connections = 0
        var closeCodes: [UInt16] = []
        var stopped = false
    }

    private let state = Locked(State())
    private let task: Task<Void, Never>

    /// - Parameter query: filters to add to every connection; the first connection starts at `since=0-0`.
    package init(port: Int, query: String = "") {
        let state = self.state
        task = Task {
            while !state.value.stopped && !Task.isCancelled {
                let since = state.value.ids.last?.description ?? "0-0"
                let path = "/ws/email/?since=\(since)" + (query.isEmpty ? "" : "&\(query)")
                guard case .connected(let client)? = try? await WebSocketClient.connect(port: port, path: path) else {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                state.withLock { $0.connections += 1 }
                for await message in client.messages {
                    switch message {
                    case .text(let text):
                        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                        if let idText = object?["id"] as? String, let id = StreamID(idText) {
                            state.withLock { $0.ids.append(id) }
                        }
                    case .close(let code, _):
                        if let code { state.withLock { $0.closeCodes.append(code) } }
                    default:
                        break
                    }
                    if state.value.stopped { break }
                }
                await client.disconnect()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    package var ids: [StreamID] { state.value.ids }
    package var connections: Int { state.value.connections }
    package var closeCodes: [UInt16] { state.value.closeCodes }

    package func stop() {
        state.withLock { $0.stopped = true }
        task.cancel()
    }

    deinit {
        task.cancel()
    }
}
