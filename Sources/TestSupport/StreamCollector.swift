package import Common
import Foundation
package import NetClients

/// Reads a WebSocket client's messages in the background and sorts them into events and control messages.
package final class StreamCollector: Sendable {
    package struct Snapshot: Sendable {
        package var ids: [StreamID] = []
        package var types: [String] = []
        package var emails: [String] = []
        package var controls: [[String: String]] = []
        package var close: (code: UInt16?, reason: String)?
        package var pings = 0
        package var ended = false
    }

    private let state = Locked(Snapshot())
    private let task: Task<Void, Never>

    package init(_ client: WebSocketClient) {
        let state = self.state
        task = Task {
            for await message in client.messages {
                switch message {
                case .text(let text):
                    let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
                    if let control = object["control"] as? String {
                        var fields = ["control": control]
                        for (key, value) in object where key != "control" { fields[key] = value as? String ?? "null" }
                        state.withLock { $0.controls.append(fields) }
                    } else if let idText = object["id"] as? String, let id = StreamID(idText) {
                        let type = object["type"] as? String ?? ""
                        let email = object["email"] as? String ?? ""
                        state.withLock {
                            $0.ids.append(id)
                            $0.types.append(type)
                            $0.emails.append(email)
                        }
                    }
                case .close(let code, let reason):
                    state.withLock { $0.close = (code, reason) }
                case .ping:
                    state.withLock { $0.pings += 1 }
                default:
                    break
                }
            }
            state.withLock { $0.ended = true }
        }
    }

    package var snapshot: Snapshot { state.value }
    package var ids: [StreamID] { state.value.ids }
    package var isLive: Bool { state.value.controls.contains { $0["control"] == "live" } }

    package func waitForLive(timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("the live control message", timeout: timeout) { self.isLive }
    }

    package func waitForEvents(_ count: Int, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("\(count) events (have \(ids.count))", timeout: timeout) { self.ids.count >= count }
    }

    package func waitForClose(timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("the connection to end", timeout: timeout) { self.state.value.ended }
    }

    deinit {
        task.cancel()
    }
}
