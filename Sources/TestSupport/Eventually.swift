/// Waits until `condition` holds, checking every 20 ms; fails with `message` after `timeout`.
///
/// The timeout is a safety net for a hung test, never the thing being tested: every use waits for a state
/// that must eventually be reached, and generous limits keep a loaded machine from failing a correct build.
package func waitUntil(
    _ message: @autoclosure () -> String,
    timeout: Duration = .seconds(30),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        if ContinuousClock.now >= deadline { throw TestSupportError("timed out waiting: \(message())") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

package struct TestSupportError: Error, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
