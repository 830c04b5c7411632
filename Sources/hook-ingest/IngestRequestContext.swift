import Hummingbird
import NIOCore

/// hook-ingest's request context: the basic one plus the connection, so that a webhook whose body is too slow
/// or too large can stop the connection's input instead of reading the rest of an abusive body.
struct IngestRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
