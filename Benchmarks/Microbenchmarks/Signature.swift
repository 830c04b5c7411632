import Benchmark
import Common
import Simulation

/// `MandrillSignature.matchingKey`: HMAC-SHA1 over the URL and the decoded form, against a registration's one key.
/// A registration with more keys (during a rotation) pays one such pass per key.
func signatureBenchmarks() {
    for (name, batch) in Fixtures.batches {
        let form = Fixtures.form(batch)
        let keys = [Fixtures.key]
        precondition(MandrillSignature.matchingKey(header: batch.signature, url: Fixtures.url, form: form, keys: keys) == 0)
        Benchmark("Signature verify, \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(MandrillSignature.matchingKey(header: batch.signature, url: Fixtures.url, form: form, keys: keys))
            }
        }
    }
}
