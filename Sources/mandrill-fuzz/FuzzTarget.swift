import Foundation

/// The parsers that read bytes from outside, by the names `scripts/fuzz.sh` and `Fuzz/corpus/` use.
///
/// One binary serves every target, so the slow instrumented build happens once and CI can run each target in turn.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// A webhook POST body: form decoding, the signature over it, and the `mandrill_events` batch.
    case form
    /// The JSON validator and the raw JSON reader that everything after it trusts.
    case json
    /// Events turned into envelopes and read back, as the ingest and the gateways do.
    case envelope
    /// A WebSocket or read-API query string: parameters, stream request, filter.
    case query
    /// `REDIS_URL`: parsing, and the redacted form that goes to logs.
    case redisURL = "redis-url"
    /// A reader's token (header parsing, verification, credentials) and its `mandrill` claim narrowing filters.
    case token

    func run(_ input: [UInt8]) {
        switch self {
        case .form: FormFuzzer.run(input)
        case .json: JSONFuzzer.run(input)
        case .envelope: EnvelopeFuzzer.run(input)
        case .query: QueryFuzzer.run(input)
        case .redisURL: RedisURLFuzzer.run(input)
        case .token: TokenFuzzer.run(input)
        }
    }

    static let environmentVariable = "MANDRILL_FUZZ_TARGET"

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The target libFuzzer drives, read once: libFuzzer's own `main` owns the command line.
    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment[environmentVariable] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("set \(environmentVariable) to one of: \(names) (got '\(name)')")
        }
        return target
    }()
}

/// Stops the process when an invariant does not hold. `precondition` drops its message in release builds, and the
/// message is what tells the reader of a libFuzzer crash report which property broke.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant violated: \(message())", file: file, line: line) }
}
