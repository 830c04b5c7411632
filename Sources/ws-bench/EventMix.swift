import ArgumentParser

/// What the benchmark publishes.
enum EventMix: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Synthetic `send` events padded to `--payload-bytes`: one size, for figures that compare across runs and
    /// with earlier results. Their padding is one repeated letter, which flatters compression.
    case padded
    /// The simulator's default mix: ``EventFactory``'s events of every type in turn, inbound included (with its
    /// 2 KiB attachment), as Mandrill would send them. Sizes vary by type; `--payload-bytes` does not apply.
    case `default`

    /// What reports say about the mix.
    var summary: String {
        switch self {
        case .padded: "padded send events"
        case .default: "default mix, every EventFactory type in turn, inbound included"
        }
    }
}
