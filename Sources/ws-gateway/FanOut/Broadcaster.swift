import NIOCore

/// Hands each publication to every event loop's hub: one hop per loop, whatever the number of clients.
final class Broadcaster: Sendable {
    private let hubs: [ObjectIdentifier: LoopHub]
    private let allHubs: [LoopHub]

    init(eventLoopGroup: any EventLoopGroup, metrics: GatewayMetrics, batchingWindow: Duration) {
        let window = TimeAmount(batchingWindow)
        var hubs: [ObjectIdentifier: LoopHub] = [:]
        var allHubs: [LoopHub] = []
        for eventLoop in eventLoopGroup.makeIterator() {
            let hub = LoopHub(eventLoop: eventLoop, metrics: metrics, batchingWindow: window)
            hubs[ObjectIdentifier(eventLoop)] = hub
            allHubs.append(hub)
        }
        self.hubs = hubs
        self.allHubs = allHubs
    }

    /// The hub of the loop a channel lives on.
    func hub(for eventLoop: any EventLoop) -> LoopHub {
        guard let hub = hubs[ObjectIdentifier(eventLoop)] else {
            preconditionFailure("channel on an event loop outside the server's group")
        }
        return hub
    }

    /// Safe from any thread; publications keep their order on every loop.
    func publish(_ publications: [Publication]) {
        guard !publications.isEmpty else { return }
        for hub in allHubs { hub.enqueue(publications) }
    }

    func startPinging(every interval: Duration) {
        for hub in allHubs { hub.eventLoop.execute { hub.startPinging(every: interval) } }
    }

    func stopPinging() {
        for hub in allHubs { hub.eventLoop.execute { hub.stopPinging() } }
    }
}
