/// How the benchmark's clients read the gateway's stream.
enum BenchTransport: Sendable {
    /// WebSocket on `/ws/email/`; with `offerDeflate`, each upgrade offers permessage-deflate.
    case webSocket(offerDeflate: Bool)
    /// Server-Sent Events on `/sse/email/`.
    case sse

    /// The gateway's path for this transport.
    var path: String {
        switch self {
        case .webSocket: "/ws/email/"
        case .sse: "/sse/email/"
        }
    }

    /// What reports call it.
    var name: String {
        switch self {
        case .webSocket(offerDeflate: false): "websocket"
        case .webSocket(offerDeflate: true): "websocket-deflate-offered"
        case .sse: "sse"
        }
    }

    /// The offer browsers make: the server may limit the client's window and chooses its own parameters.
    static let deflateOffer = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")
}
