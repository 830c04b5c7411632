import Common
import Hummingbird
import HummingbirdTesting
import Logging
import NetClients
import Simulation
import TestSupport
import Testing

@testable import ws_gateway

/// Runs ws-gateway in process against a real Redis, on an ephemeral port.
struct GatewayHarness {
    let redis: RedisServer
    var configure: (inout GatewayConfiguration) -> Void = { _ in }
    let logs = LogCollector()

    init(redis: RedisServer) {
        self.redis = redis
    }

    func run(_ test: @Sendable (_ port: Int, _ client: any TestClientProtocol) async throws -> Void) async throws {
        var configuration = GatewayConfiguration()
        configuration.port = 0
        configuration.redis = try RedisConfiguration(url: redis.url)
        configuration.redis.commandTimeout = .seconds(2)
        configuration.redis.connectTimeout = .seconds(1)
        configure(&configuration)
        let app = try await buildApplication(configuration, logger: logs.logger(label: "ws-gateway", level: .debug))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await waitUntil("the gateway's subscription to be healthy") {
                try await client.execute(uri: "/readyz", method: .get).status == .ok
            }
            try await test(port, client)
        }
    }
}

/// Connects a stream client and starts collecting its messages.
func connect(
    port: Int,
    query: String = "",
    headers: [(String, String)] = [],
    answerPings: Bool = true,
    receiveBufferSize: Int? = nil
) async throws -> (WebSocketClient, StreamCollector) {
    let result = try await WebSocketClient.connect(
        port: port,
        path: "/ws/email/" + (query.isEmpty ? "" : "?\(query)"),
        headers: headers,
        answerPings: answerPings,
        receiveBufferSize: receiveBufferSize
    )
    guard case .connected(let client) = result else {
        throw TestSupportError("upgrade refused: \(result)")
    }
    return (client, StreamCollector(client))
}

/// The status a refused upgrade got, or nil when it was accepted.
func refusal(port: Int, query: String = "", headers: [(String, String)] = []) async throws -> (status: Int, body: String)? {
    let result = try await WebSocketClient.connect(port: port, path: "/ws/email/?\(query)", headers: headers)
    switch result {
    case .connected(let client):
        await client.disconnect()
        return nil
    case .rejected(let status, _, let body):
        return (status, body)
    }
}

extension RedisServer {
    func publisher(maxLength: Int? = nil) -> TestPublisher {
        TestPublisher(redis: client(), maxLength: maxLength)
    }
}
