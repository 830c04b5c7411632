import NIOCore
import NIOPosix
import NetClients
import Synchronization

/// Many benchmark connections on their own event loops (separate from anything the gateway uses).
struct BenchClients {
    let channels: [any Channel]
    let totals: BenchTotals

    /// Opens `count` streams, `parallel` handshakes at a time. Client `i` sends `tokens[i % tokens.count]` as
    /// `Authorization: Bearer` (none when `tokens` is empty), and the query `queries[i % queries.count]` (none when
    /// `queries` is empty).
    static func open(
        count: Int,
        host: String,
        port: Int,
        path: String,
        measureLatency: Bool,
        group: any EventLoopGroup,
        tokens: [String] = [],
        queries: [String] = [],
        parallel: Int = 200
    ) async throws -> BenchClients {
        let totals = BenchTotals()
        var channels: [any Channel] = []
        channels.reserveCapacity(count)
        let counting: @Sendable (any Channel) throws -> Void = { channel in
            try channel.pipeline.syncOperations.addHandler(FrameCounter(totals: totals, measureLatency: measureLatency))
        }
        var opened = 0
        while opened < count {
            let batch = min(parallel, count - opened)
            let results = try await withThrowingTaskGroup(of: (any Channel).self) { group2 in
                for index in opened..<(opened + batch) {
                    let token = tokens.isEmpty ? nil : tokens[index % tokens.count]
                    let target = queries.isEmpty ? path : path + "?" + queries[index % queries.count]
                    group2.addTask {
                        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
                        let (channel, result) = try await openWebSocket(
                            host: host,
                            port: port,
                            path: target,
                            headers: headers,
                            group: group,
                            upgradePipeline: counting
                        )
                        guard case .upgraded = result else { throw BenchError("upgrade refused: \(result)") }
                        return channel
                    }
                }
                var channels: [any Channel] = []
                for try await channel in group2 { channels.append(channel) }
                return channels
            }
            channels += results
            opened += batch
        }
        return BenchClients(channels: channels, totals: totals)
    }

    func close() async {
        for channel in channels { try? await channel.close() }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A value shared with callbacks on other threads.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    var value: Value { mutex.withLock { $0 } }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
