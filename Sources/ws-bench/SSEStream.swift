import NIOCore
import NIOPosix

/// Opens `GET path` as a Server-Sent Events stream whose events ``SSECounter`` counts into `totals`; returns once
/// the gateway answered 200 (and throws with its status and body when it did not).
func openSSEStream(
    host: String,
    port: Int,
    path: String,
    headers: [(String, String)],
    group: any EventLoopGroup,
    totals: BenchTotals
) async throws -> any Channel {
    let bootstrap = ClientBootstrap(group: group).channelOption(.socketOption(.tcp_nodelay), value: 1)
    let (channel, head) = try await bootstrap.connect(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
            let promise = channel.eventLoop.makePromise(of: Void.self)
            let counter = SSECounter(host: "\(host):\(port)", path: path, headers: headers, totals: totals, headPromise: promise)
            try channel.pipeline.syncOperations.addHandler(counter)
            return (channel, promise.futureResult)
        }
    }
    try await head.get()
    return channel
}
