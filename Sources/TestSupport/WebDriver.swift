package import Foundation
import NIOHTTP1
import NetClients

/// A minimal W3C WebDriver client for chromedriver: enough to load a page, run scripts and take a screenshot.
package final class WebDriver: Sendable {
    private let driver: ManagedProcess
    private let port: Int
    private let session: String

    /// Starts chromedriver and a headless Chromium session. `offline`: the browser reaches loopback addresses only;
    /// every other host name fails to resolve, and every other request goes to a proxy that is not there.
    package static func start(offline: Bool = false) async throws -> WebDriver {
        let chromedriver = try requireExecutableFunction("chromedriver", hint: "apt-get install chromium chromium-driver")
        let chromium = try requireExecutableFunction("chromium", hint: "apt-get install chromium")
        let port = freePort()
        let driver = try ManagedProcess(name: "chromedriver-\(port)", executable: chromedriver, arguments: ["--port=\(port)"])
        try await waitUntil("chromedriver on \(port)") {
            guard driver.isRunning else { throw TestSupportError("chromedriver exited: \(driver.log)") }
            return isListening(port: port)
        }
        var arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900"]
        if offline {
            arguments += [
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:\(freePort())",
                "--proxy-bypass-list=127.0.0.1",
            ]
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": chromium,
                        "args": arguments,
                    ],
                ]
            ]
        ]
        let reply = try await Self.call(port: port, .POST, "/session", capabilities)
        guard let value = reply["value"] as? [String: Any], let session = value["sessionId"] as? String else {
            throw TestSupportError("no WebDriver session: \(reply)")
        }
        return WebDriver(driver: driver, port: port, session: session)
    }

    private init(driver: ManagedProcess, port: Int, session: String) {
        self.driver = driver
        self.port = port
        self.session = session
    }

    package func open(_ url: String) async throws {
        _ = try await command(.POST, "url", ["url": url])
    }

    /// Runs `script` (a function body) in the page and returns its result.
    package func run(_ script: String) async throws -> Any? {
        let reply = try await command(.POST, "execute/sync", ["script": script, "args": [Any]()])
        return reply["value"]
    }

    /// The text of an open alert, or `nil` when none is open (a script-run alert means markup was executed).
    package func alertText() async throws -> String? {
        let reply = try await command(.GET, "alert/text", nil)
        return reply["value"] as? String
    }

    package func screenshot(to file: URL) async throws {
        let reply = try await command(.GET, "screenshot", nil)
        guard let base64 = reply["value"] as? String, let data = Data(base64Encoded: base64) else {
            throw TestSupportError("no screenshot: \(reply)")
        }
        try data.write(to: file)
    }

    package func quit() async {
        _ = try? await command(.DELETE, "", nil)
        await driver.terminate()
    }

    private func command(_ method: HTTPMethodName, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        try await Self.call(port: port, method, "/session/\(session)" + (path.isEmpty ? "" : "/\(path)"), body)
    }

    package enum HTTPMethodName: String {
        case GET
        case POST
        case DELETE
    }

    private static func call(port: Int, _ method: HTTPMethodName, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try await httpRequest(
            .init(rawValue: method.rawValue),
            port: port,
            path,
            headers: data == nil ? [] : [("Content-Type", "application/json")],
            body: data.map { Array($0) }
        )
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}

/// The path of `program` on PATH, or an error telling how to install it.
private func requireExecutableFunction(_ program: String, hint: String) throws -> String {
    guard let path = which(program) else { throw TestSupportError("\(program) not found: \(hint)") }
    return path
}
