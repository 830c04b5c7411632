import Benchmark

/// The suite: the pure functions every webhook POST and every published event goes through, on the simulator's
/// realistic signed batches (see ``Fixtures``). Run with `make microbench`.
///
/// Each benchmark is one iteration per batch ("1 event", "100 events") or, where the name says "per event",
/// 1,000 events per iteration with the figures scaled to one event. Throughput is per iteration: batches/s or
/// events/s. Mallocs come from the benchmark package's malloc interposer.
let benchmarks: @Sendable () -> Void = {
    // Small budgets: the whole suite runs in well under a minute on a shared 2-core machine.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        maxDuration: .seconds(1),
        maxIterations: 10_000
    )
    formDecodingBenchmarks()
    signatureBenchmarks()
    batchParsingBenchmarks()
    envelopeBenchmarks()
    filterBenchmarks()
}
