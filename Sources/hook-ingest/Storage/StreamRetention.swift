import Common

/// How much history Redis keeps, and where large events go.
///
/// The stream is bounded by count (`MAXLEN ~`) and by age (`MINID ~`). An event larger than `largeEventBytes`
/// (inbound mail with attachments: about three times the attachments' size) keeps its JSON in a key of its own,
/// and the stream entry only refers to it; those keys together hold at most `largeEventMemory` bytes, the oldest
/// dropped first. So a burst of big inbound mail can neither push tracking events out of the stream's count nor
/// fill Redis.
struct StreamRetention: Sendable {
    var maxLength = IngestOptions.streamMaxlen.requiredDefault
    /// `.zero`: no age limit.
    var maxAge = IngestOptions.streamMaxAge.requiredDefault
    var largeEventBytes = IngestOptions.largeEventBytes.requiredDefault
    var largeEventMemory = IngestOptions.largeEventMemory.requiredDefault
}
