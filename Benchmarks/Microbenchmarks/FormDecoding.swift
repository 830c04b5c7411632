import Benchmark
import Common
import Simulation

/// `FormBody(decodingInPlace:maxFields:)`: hook-ingest's first pass over every POST body.
func formDecodingBenchmarks() {
    for (name, batch) in Fixtures.batches {
        Benchmark("FormBody decode, \(name)") { benchmark in
            // Decoding consumes its buffer and rewrites it in place, as hook-ingest's body is: each iteration gets
            // a private copy, made before the measurement starts, so the copy is neither timed nor counted.
            let body = batch.body.withUnsafeBufferPointer { Array($0) }
            benchmark.startMeasurement()
            blackHole(try? FormBody(decodingInPlace: consume body, maxFields: FormBody.defaultMaxFields))
        }
    }
}
