import NIOCore
import NIOPosix
import NetClients
import Synchronization

/// Many benchmark connections on their own event loops (separate from anything the gateway uses).
struct BenchClients {
    let channels: [any Channel]
    let totals: BenchTotals

    /// Opens `count` streams, `parallel` handshakes at a time, over `transport` (WebSocket unless told). Client `i`
    /// sends `tokens[i % tokens.count]` as `Authorization: Bearer` (none when `tokens` is empty), and the query
    /// `queries[i % queries.count]` (none when `queries` is empty).
    static func open(
        count: Int,
        host: String,
        port: Int,
        path: String,
        measureLatency: Bool,
        group: any EventLoopGroup,
        transport: BenchTransport = .webSocket(offerDeflate: false),
        tokens: [String] = [],
        queries: [String] = [],
        parallel: Int = 200
    ) async throws -> BenchClients {
        let totals = BenchTotals()
        var channels: [any Channel] = []
        channels.reserveCapacity(count)
        var opened = 0
        while opened < count {
            let batch = min(parallel, count - opened)
            let results = try await withThrowingTaskGroup(of: (any Channel).self) { group2 in
                for index in opened..<(opened + batch) {
                    let token = tokens.isEmpty ? nil : tokens[index % tokens.count]
                    let target = queries.isEmpty ? path : path + "?" + queries[index % queries.count]
                    group2.addTask {
                        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
                        return try await openOne(
                            host: host,
                            port: port,
                            path: target,
                            headers: headers,
                            transport: transport,
                            measureLatency: measureLatency,
                            group: group,
                            totals: totals
                        )
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

    private static func openOne(
        host: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        transport: BenchTransport,
        measureLatency: Bool,
        group: any EventLoopGroup,
        totals: BenchTotals
    ) async throws -> any Channel {
        guard case .webSocket(let offerDeflate) = transport else {
            return try await openSSEStream(host: host, port: port, path: path, headers: headers, group: group, totals: totals)
        }
        let (channel, result) = try await openWebSocket(
            host: host,
            port: port,
            path: path,
            headers: headers + (offerDeflate ? [BenchTransport.deflateOffer] : []),
            group: group,
            onUpgrade: { responseHeaders in
                let extensions = responseHeaders.filter { $0.0.lowercased() == "sec-websocket-extensions" }.map(\.1)
                if extensions.contains(where: { $0.lowercased().hasPrefix("permessage-deflate") }) {
                    totals.deflateNegotiated.add(1, ordering: .relaxed)
                }
            },
            upgradePipeline: { channel in
                try channel.pipeline.syncOperations.addHandler(FrameCounter(totals: totals, measureLatency: measureLatency))
            }
        )
        guard case .upgraded = result else { throw BenchError("upgrade refused: \(result)") }
        return channel
    }

    func close() async {
        for channel in channels { try? await channel.close() }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
