import Benchmark
import Common

/// `MandrillBatch(bytes:range:)`: validates `mandrill_events` as a JSON array of objects and reads each event's
/// type, email, ids and dedup hash (one SHA-256 per event), without copying the form's buffer.
func batchParsingBenchmarks() {
    for (name, batch) in Fixtures.batches {
        let form = Fixtures.form(batch)
        guard let range = form.valueRange(named: "mandrill_events") else { fatalError("no mandrill_events field") }
        Benchmark("MandrillBatch parse, \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? MandrillBatch(bytes: form.storage, range: range))
            }
        }
    }
}
