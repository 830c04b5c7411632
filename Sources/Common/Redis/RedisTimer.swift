import CHiredis

/// A libevent timer on a ``RedisEventLoop``. Loop-confined: create, arm, cancel and free it on the loop thread.
package final class RedisTimer {
    private var event: OpaquePointer?
    private let body: () -> Void

    init(base: OpaquePointer, repeating: Bool, body: @escaping () -> Void) {
        self.body = body
        self.event = event_new(
            base,
            -1,
            Int16(repeating ? EV_PERSIST : 0),
            { _, _, argument in
                Unmanaged<RedisTimer>.fromOpaque(argument!).takeUnretainedValue().body()
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    /// Arms the timer; re-arming replaces the previous deadline.
    package func schedule(after duration: Duration) {
        guard let event else { return }
        var interval = chiredis_timeval(duration.microseconds)
        event_add(event, &interval)
    }

    package func cancel() {
        guard let event else { return }
        event_del(event)
    }

    /// Releases the libevent event. The timer must not be used afterwards.
    package func free() {
        guard let event else { return }
        event_free(event)
        self.event = nil
    }

    deinit {
        if let event { event_free(event) }
    }
}
