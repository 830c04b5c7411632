import Common
import Foundation
import Logging
import NIOHTTP1
import NetClients
import Simulation
import TestSupport

/// Writes benchmark envelopes straight to the Redis channel (the gateway's input), or posts signed batches to
/// hook-ingest (end to end). Each event carries `bench_ts`, its wall-clock publish time in nanoseconds.
struct Publisher {
    let redis: RedisClient?
    let keys: RedisKeys
    let payloadBytes: Int
    /// The events published straight to Redis; ``postToIngest`` always posts padded ones.
    let mix: EventMix
    /// When not empty, event `n` carries `msg.subaccount` = `subaccounts[n % subaccounts.count]` (round-robin over
    /// the tenants), with as much less padding so that envelopes keep their size. Padded events only.
    var subaccounts: [String] = []
    private let mixed: MixedEnvelopes?

    init(redis: RedisClient?, keys: RedisKeys, payloadBytes: Int, mix: EventMix = .padded) {
        self.redis = redis
        self.keys = keys
        self.payloadBytes = payloadBytes
        self.mix = mix
        self.mixed = mix == .default ? MixedEnvelopes() : nil
    }

    /// An envelope with a strictly increasing id: of about `payloadBytes`, or the mix's next event.
    func envelope(sequence: Int) -> [UInt8] {
        let now = WallClock.nanoseconds()
        let id = "\(now / 1_000_000)-\(sequence)"
        if let mixed { return mixed.envelope(sequence: sequence, id: id, timestamp: now) }
        guard !subaccounts.isEmpty else {
            let padding = String(repeating: "x", count: max(0, payloadBytes - 160))
            let event = #"{"bench_ts":\#(now),"event":"send","_id":"bench-\#(sequence)","msg":{"email":"bench@example.com","subject":"\#(padding)"}}"#
            return Envelope.make(id: id, type: "send", email: "bench@example.com", event: Array(event.utf8))
        }
        let subaccount = subaccounts[sequence % subaccounts.count]
        let field = #""subaccount":"\#(subaccount)","#
        let padding = String(repeating: "x", count: max(0, payloadBytes - 160 - field.utf8.count))
        let event =
            #"{"bench_ts":\#(now),"event":"send","_id":"bench-\#(sequence)","msg":{"email":"bench@example.com",\#(field)"subject":"\#(padding)"}}"#
        return Envelope.make(id: id, type: "send", email: "bench@example.com", event: Array(event.utf8))
    }

    /// Publishes `count` envelopes at `rate` per second (0: as fast as the pipeline allows), in chunks of
    /// `window` commands sent in order on one connection (ids must reach the gateway in increasing order).
    /// Returns the envelopes' total size in bytes.
    @discardableResult
    func publishDirect(count: Int, rate: Double, window: Int = 256) async throws -> Int {
        guard let redis else { return 0 }
        let started = ContinuousClock.now
        var sequence = 0
        var bytes = 0
        while sequence < count {
            if rate > 0 {
                let due = started + .seconds(Double(sequence) / rate)
                if due > .now { try await Task.sleep(until: due) }
            }
            let chunk = (sequence..<min(count, sequence + (rate > 0 ? 1 : window))).map { sequence -> RedisCommand in
                let envelope = envelope(sequence: sequence)
                bytes += envelope.count
                var command = RedisCommand("PUBLISH", keys.channel)
                command.append(bytes: envelope)
                return command
            }
            try await sendInOrder(chunk, on: redis.connection)
            sequence += chunk.count
        }
        return bytes
    }

    /// Sends the commands back to back (pipelined, in order) and waits for every reply.
    private func sendInOrder(_ commands: [RedisCommand], on connection: RedisConnection) async throws {
        let failure = Locked<RedisError?>(nil)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Locked(commands.count)
            for command in commands {
                connection.send(command) { result in
                    if case .failure(let error) = result { failure.withLock { $0 = error } }
                    if remaining.withLock({ value -> Bool in
                        value -= 1
                        return value == 0
                    }) {
                        continuation.resume()
                    }
                }
            }
        }
        if let error = failure.value { throw error }
    }

    /// Posts `count` signed single-event batches to hook-ingest at `rate` per second.
    func postToIngest(count: Int, rate: Double, host: String, port: Int, path: String, signedURL: String, key: String) async throws {
        let connection = try await HTTPClientConnection.connect(host: host, port: port)
        let started = ContinuousClock.now
        for sequence in 0..<count {
            if rate > 0 {
                let due = started + .seconds(Double(sequence) / rate)
                if due > .now { try await Task.sleep(until: due) }
            }
            let event = SimJSON.object([
                ("bench_ts", .number(String(WallClock.nanoseconds()))),
                ("event", .string("send")), ("_id", .string("bench-\(UUID().uuidString)")), ("ts", .int(Int(Date().timeIntervalSince1970))),
                (
                    "msg",
                    .object([
                        ("email", .string("bench@example.com")), ("subject", .string(String(repeating: "x", count: max(0, payloadBytes - 250)))),
                    ])
                ),
            ])
            let batch = SignedBatch(events: [event], signedURL: signedURL, key: key)
            let response = try await connection.request(.POST, path, headers: batch.headers, body: batch.body)
            guard response.status == 200 else { throw BenchError("hook-ingest answered \(response.status): \(response.text)") }
        }
        await connection.close()
    }
}
