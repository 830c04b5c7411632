import CHiredis
import DequeModule
package import Logging
import Synchronization

/// One hiredis async connection on a ``RedisEventLoop``: connects, reconnects with backoff, applies its own
/// connect and command timeouts (hiredis 0.14 has neither) and bridges replies to Swift callbacks.
///
/// Concurrency: every stored property except `connected` is touched only on `loop`'s thread (the
/// ``RedisEventLoop`` invariant); public entry points hop there with `loop.execute`. That confinement is what
/// makes the `@unchecked Sendable` sound. hiredis calls back on the loop thread with `self` recovered from
/// `redisAsyncContext.data`, which holds a retained reference for as long as the context exists.
package final class RedisConnection: @unchecked Sendable {
    package enum Event: Sendable {
        case connected
        case disconnected(RedisError)
    }

    package let loop: RedisEventLoop
    package let configuration: RedisConfiguration
    let logger: Logger
    private var machine: RedisConnectionStateMachine
    private var context: UnsafeMutablePointer<redisAsyncContext>?
    /// Commands submitted while not connected, oldest first; they wait until connected or until their deadline.
    private var waiting = Deque<PendingCommand>()
    /// Commands sent, oldest first; replies arrive in this order, so the head is the one that can time out.
    private var inFlight = Deque<PendingCommand>()
    private var connectTimer: RedisTimer?
    private var reconnectTimer: RedisTimer?
    private var sweepTimer: RedisTimer?
    /// Counts connect attempts, so that a host name resolved for an abandoned attempt is not used.
    private var connectGeneration: UInt64 = 0
    /// Where the current connection (or connect attempt) goes: the configured host, or the primary the sentinels
    /// named.
    private var endpoint: RedisEndpoint?
    private let connected = Atomic<Bool>(false)
    /// The +1 reference `redisAsyncContext.data` holds while a context exists, so that a callback can never reach
    /// a deallocated connection, even when the owner dropped the connection without closing it.
    private var contextReference: Unmanaged<RedisConnection>?
    /// Called on the loop thread once the connection is usable, before queued commands are sent (e.g. SUBSCRIBE).
    private let onReady: (RedisConnection) -> Void
    /// Called on the loop thread when the connection comes up or goes down.
    private let onEvent: (Event) -> Void

    package init(
        configuration: RedisConfiguration,
        loop: RedisEventLoop,
        logger: Logger,
        onReady: @escaping (RedisConnection) -> Void = { _ in },
        onEvent: @escaping (Event) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.onReady = onReady
        self.onEvent = onEvent
        self.machine = RedisConnectionStateMachine(
            baseDelay: configuration.reconnectBaseDelay,
            maxDelay: configuration.reconnectMaxDelay
        )
        configuration.sentinel?.register(self)
    }

    deinit {
        // Timer callbacks hold the connection unowned, and hiredis's context points at it: both must be gone,
        // which `close()` (or `closeEventually()`) does on the loop thread, before the last reference goes.
        assert(context == nil && connectTimer == nil && reconnectTimer == nil && sweepTimer == nil, "RedisConnection released before it was closed")
    }

    /// Whether the connection is up right now. Safe from any thread.
    package var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// Starts connecting. Safe from any thread.
    package func start() {
        loop.execute { self.perform(self.machine.start()) }
    }

    /// Closes the connection and fails every queued command with ``RedisError/closed``.
    package func close() async {
        await loop.run { self.perform(self.machine.close()) }
    }

    /// Closes the connection without waiting (for owners being deinitialized). The queued job keeps the connection
    /// alive until its timers and context are released on the loop thread.
    package func closeEventually() {
        loop.execute { self.perform(self.machine.close()) }
    }

    /// Sends a command; `completion` runs on the loop thread exactly once. Safe from any thread.
    package func send(_ command: RedisCommand, completion: @escaping @Sendable (Result<RedisValue, RedisError>) -> Void) {
        let pending = PendingCommand(
            command: command,
            deadline: .now + configuration.commandTimeout,
            completion: completion
        )
        if !loop.execute({ self.submit(pending) }) {
            // The loop has stopped: the connection is closed for good.
            pending.complete(.failure(.closed))
        }
    }

    /// Sends a command and waits for its reply. An error reply is thrown as ``RedisError/server(_:)``.
    package func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<RedisValue, RedisError>, Never>) in
            send(command) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Sends commands back to back on one connection: all are written to the same socket in one step, or all wait
    /// for the next connection together. `WAIT` relies on this: it counts replicas for the writes made on its own
    /// connection, so a `WAIT` that reached a newer connection than its write would confirm nothing. Replies come
    /// in command order. `blocking`: how long a command of the pipeline may block on the server by design (a
    /// `WAIT`'s own timeout), added to the command timeout so that the wait never counts as a stuck connection.
    package func send(pipeline commands: [RedisCommand], blocking: Duration = .zero) async -> [Result<RedisValue, RedisError>] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Result<RedisValue, RedisError>], Never>) in
            let replies = PipelineReplies(count: commands.count, continuation: continuation)
            let deadline = ContinuousClock.now + configuration.commandTimeout + blocking
            let pending = commands.enumerated().map { index, command in
                PendingCommand(command: command, deadline: deadline) { replies.set(index, $0) }
            }
            if !loop.execute({ for command in pending { self.submit(command) } }) {
                for command in pending { command.complete(.failure(.closed)) }
            }
        }
    }

    /// Recycles a connection that is up but no longer trusted (for example a subscription that stopped
    /// delivering its heartbeat). Safe from any thread.
    package func recycle(reason: String) {
        loop.execute { self.drop(reason: reason) }
    }

    /// A sentinel named a new primary: a connection that is up elsewhere reconnects (asking the sentinels again),
    /// and one waiting to reconnect after failed attempts tries at once instead of after its backoff delay.
    /// Any thread.
    package func primaryChanged(to primary: RedisEndpoint) {
        loop.execute {
            if case .waitingToReconnect = self.machine.state {
                self.reconnectTimer?.cancel()
                self.perform(self.machine.reconnectTimerFired())
                return
            }
            guard let endpoint = self.endpoint, endpoint != primary else { return }
            self.drop(reason: "the primary moved to \(primary)")
        }
    }

    /// Sends a command whose callback hiredis keeps (SUBSCRIBE). Loop thread only, while connected.
    func sendPersistent(
        _ command: RedisCommand,
        callback: @escaping @convention(c) (UnsafeMutablePointer<redisAsyncContext>?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void,
        privdata: UnsafeMutableRawPointer
    ) -> Bool {
        guard let context else { return false }
        let status = command.withArgv { argc, argv, argvlen in
            redisAsyncCommandArgv(context, callback, privdata, argc, argv, argvlen)
        }
        return status == REDIS_OK
    }

    // MARK: - Loop thread

    private func submit(_ pending: PendingCommand) {
        switch machine.state {
        case .connected:
            write(pending)
        case .idle, .connecting, .waitingToReconnect:
            waiting.append(pending)
            armSweep()
        case .closed:
            pending.complete(.failure(.closed))
        }
    }

    private func write(_ pending: PendingCommand) {
        guard let context else {
            waiting.append(pending)
            return
        }
        let box = Unmanaged.passRetained(pending)
        let status = pending.command.withArgv { argc, argv, argvlen in
            redisAsyncCommandArgv(context, replyCallback, box.toOpaque(), argc, argv, argvlen)
        }
        if status == REDIS_OK {
            inFlight.append(pending)
            armSweep()
        } else {
            // hiredis will not call back for a command it refused.
            box.release()
            pending.complete(.failure(.connectionLost(Self.errorText(context) ?? "command refused")))
        }
    }

    fileprivate func replyArrived(_ reply: ReplyKind) {
        switch reply {
        case .value: machine.replyReceived()
        case .error: break
        case .notPrimary(let message):
            // Not from inside hiredis' reply callback: the context must not be freed under it.
            loop.execute { self.drop(reason: message) }
        }
        while let first = inFlight.first, first.isDone { inFlight.removeFirst() }
    }

    /// Drops a connection that is up but must not be used any more, and reconnects after the backoff delay.
    /// Everything in flight fails; the owner hears ``Event/disconnected(_:)`` as for any lost connection.
    private func drop(reason: String) {
        guard machine.isConnected else { return }
        logger.warning("Recycling Redis connection", metadata: ["reason": .string(reason), "redis": .string(address)])
        perform(machine.connectionStalled())
        onEvent(.disconnected(.connectionLost(reason)))
    }

    /// The address for logs: the endpoint in use (the primary, with sentinels), never credentials.
    private var address: String { endpoint?.description ?? configuration.redactedURL }

    /// A subscription confirmed: the connection works (SUBSCRIBE replies do not go through ``replyArrived(isError:)``).
    func subscriptionConfirmed() {
        machine.replyReceived()
    }

    private func perform(_ action: RedisConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .connect:
            connect()
        case .becomeReady:
            becomeReady()
        case .dropAndReconnect(let delay):
            releaseContext()
            scheduleReconnect(after: delay)
        case .reconnect(let delay):
            scheduleReconnect(after: delay)
        case .shutDown:
            releaseContext()
            for timer in [connectTimer, reconnectTimer, sweepTimer] { timer?.free() }
            connectTimer = nil
            reconnectTimer = nil
            sweepTimer = nil
            while let pending = waiting.popFirst() { pending.complete(.failure(.closed)) }
            inFlight.removeAll()
        }
    }

    /// Starts a connect attempt: with sentinels, asks them for the primary first (off this thread; see
    /// ``RedisSentinelSet/locatePrimary(timeout:completion:)``).
    private func connect() {
        connectGeneration &+= 1
        guard let sentinel = configuration.sentinel else {
            connect(to: RedisEndpoint(host: configuration.host, port: configuration.port))
            return
        }
        let generation = connectGeneration
        sentinel.locatePrimary(timeout: configuration.connectTimeout) { result in
            self.loop.execute {
                // An answer for an attempt that was closed meanwhile is dropped.
                guard generation == self.connectGeneration, case .connecting = self.machine.state, self.context == nil else { return }
                switch result {
                case .success(let primary): self.connect(to: primary)
                case .failure(let error): self.connectFailed(message: error.message)
                }
            }
        }
    }

    /// Arms the connect timeout, resolves a host name off this thread when needed (see ``RedisHostResolver``), then
    /// hands hiredis a numeric address.
    private func connect(to endpoint: RedisEndpoint) {
        self.endpoint = endpoint
        if connectTimer == nil {
            connectTimer = loop.makeTimer(repeating: false) { [unowned self] in
                self.logger.debug("Redis connect timed out", metadata: ["redis": .string(self.address)])
                self.connectFailed(message: "connect timed out", timedOut: true)
            }
        }
        connectTimer?.schedule(after: configuration.connectTimeout)
        if RedisHostResolver.isNumeric(endpoint.host) {
            connect(toAddress: endpoint.host, port: endpoint.port)
            return
        }
        let generation = connectGeneration
        RedisHostResolver.resolve(endpoint.host) { result in
            self.loop.execute {
                // A result for an attempt that already timed out or was closed is dropped.
                guard generation == self.connectGeneration, case .connecting = self.machine.state, self.context == nil else { return }
                switch result {
                case .success(let address): self.connect(toAddress: address, port: endpoint.port)
                case .failure(let error): self.connectFailed(message: error.message)
                }
            }
        }
    }

    private func connect(toAddress address: String, port: Int) {
        guard let context = redisAsyncConnect(address, Int32(port)) else {
            connectFailed(message: "out of memory")
            return
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context) ?? "connect failed"
            redisAsyncFree(context)
            connectFailed(message: message)
            return
        }
        let reference = Unmanaged.passRetained(self)
        contextReference = reference
        context.pointee.data = reference.toOpaque()
        redisLibeventAttach(context, loop.base)
        redisAsyncSetConnectCallback(context, connectCallback)
        redisAsyncSetDisconnectCallback(context, disconnectCallback)
        self.context = context
    }

    fileprivate func connectFinished(status: Int32) {
        connectTimer?.cancel()
        if status == REDIS_OK, let context {
            _ = redisEnableKeepAlive(&context.pointee.c)
            perform(machine.connectSucceeded())
        } else {
            let message = context.flatMap(Self.errorText) ?? "connect failed"
            // hiredis frees the context after this callback returns.
            context = nil
            releaseContextReference()
            connectFailed(message: message)
        }
    }

    private func connectFailed(message: String, timedOut: Bool = false) {
        connectTimer?.cancel()
        let action = timedOut ? machine.connectTimedOut() : machine.connectFailed()
        guard action != .none else { return }
        logger.debug("Redis connect failed", metadata: ["redis": .string(address), "error": .string(message)])
        perform(action)
        onEvent(.disconnected(.connectionFailed(message)))
    }

    private func becomeReady() {
        logger.info("Redis connected", metadata: ["redis": .string(address)])
        connected.store(true, ordering: .relaxed)
        sendHandshake()
        onReady(self)
        while machine.isConnected, let pending = waiting.popFirst() { write(pending) }
        onEvent(.connected)
    }

    private func sendHandshake() {
        if let password = configuration.password {
            var auth = RedisCommand("AUTH")
            if let username = configuration.username { auth.append(username) }
            auth.append(password)
            sendInternal(auth)
        }
        if configuration.database != 0 {
            var select = RedisCommand("SELECT")
            select.append(configuration.database)
            sendInternal(select)
        }
        if configuration.sentinel != nil {
            // The sentinels' answer may be stale (a failover in progress): only a primary is kept.
            let endpoint = endpoint
            sendInternal(RedisCommand("ROLE")) { [self] role in
                guard role.array?.first?.string != "master" else { return }
                loop.execute {
                    guard self.endpoint == endpoint else { return }
                    self.drop(reason: "\(endpoint?.description ?? "the server") is not the primary")
                }
            }
        }
    }

    /// A handshake command: a failure is logged; later commands then fail on their own.
    private func sendInternal(_ command: RedisCommand, onReply: @escaping @Sendable (RedisValue) -> Void = { _ in }) {
        let name = command.name
        let logger = self.logger
        write(
            PendingCommand(command: command, deadline: .now + configuration.commandTimeout) { result in
                switch result {
                case .success(let value): onReply(value)
                case .failure(let error):
                    logger.error("Redis handshake failed", metadata: ["command": .string(name), "error": .string(error.description)])
                }
            }
        )
    }

    fileprivate func disconnectFinished(status: Int32) {
        let message = status == REDIS_OK ? "closed" : (context.flatMap(Self.errorText) ?? "connection lost")
        context = nil
        releaseContextReference()
        connected.store(false, ordering: .relaxed)
        inFlight.removeAll()
        let action = machine.disconnected()
        guard action != .none else { return }
        logger.warning("Redis connection lost", metadata: ["redis": .string(address), "error": .string(message)])
        perform(action)
        onEvent(.disconnected(.connectionLost(message)))
    }

    private func releaseContext() {
        connected.store(false, ordering: .relaxed)
        connectTimer?.cancel()
        guard let context else { return }
        self.context = nil
        // Runs every pending reply callback with a NULL reply, and the disconnect callback if it was connected;
        // the state machine has already left `.connected`, so that callback changes nothing.
        redisAsyncFree(context)
        releaseContextReference()
        inFlight.removeAll()
    }

    private func releaseContextReference() {
        contextReference?.release()
        contextReference = nil
    }

    private func scheduleReconnect(after delay: Duration) {
        if reconnectTimer == nil {
            reconnectTimer = loop.makeTimer(repeating: false) { [unowned self] in
                self.perform(self.machine.reconnectTimerFired())
            }
        }
        // Up to 20% jitter so that many processes do not reconnect in lockstep after a Redis restart.
        let jitter = delay * Double.random(in: 0...0.2)
        reconnectTimer?.schedule(after: delay + jitter)
    }

    private func armSweep() {
        guard sweepTimer == nil else { return }
        let period = min(configuration.commandTimeout / 4, .milliseconds(100))
        sweepTimer = loop.makeTimer(repeating: true) { [unowned self] in self.sweep() }
        sweepTimer?.schedule(after: period)
    }

    /// Fails commands past their deadline. A sent command that timed out means the connection is stuck:
    /// replies come in order, so it is recycled.
    private func sweep() {
        let now = ContinuousClock.now
        while let first = waiting.first, first.deadline <= now {
            waiting.removeFirst()
            first.complete(.failure(.timeout))
        }
        while let first = inFlight.first, first.isDone { inFlight.removeFirst() }
        if let first = inFlight.first, first.deadline <= now {
            logger.warning(
                "Redis command timed out; reconnecting",
                metadata: ["command": .string(first.command.name), "redis": .string(address)]
            )
            first.complete(.failure(.timeout))
            perform(machine.connectionStalled())
            onEvent(.disconnected(.timeout))
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisAsyncContext>) -> String? {
        guard context.pointee.err != 0, let text = context.pointee.errstr else { return nil }
        return String(cString: text)
    }
}

/// Collects the replies of ``RedisConnection/send(pipeline:)``; completions run on the loop thread only, which
/// makes the `@unchecked Sendable` sound.
private final class PipelineReplies: @unchecked Sendable {
    private var results: [Result<RedisValue, RedisError>?]
    private var remaining: Int
    private let continuation: CheckedContinuation<[Result<RedisValue, RedisError>], Never>

    init(count: Int, continuation: CheckedContinuation<[Result<RedisValue, RedisError>], Never>) {
        self.results = Array(repeating: nil, count: count)
        self.remaining = count
        self.continuation = continuation
        if count == 0 { continuation.resume(returning: []) }
    }

    func set(_ index: Int, _ result: Result<RedisValue, RedisError>) {
        results[index] = result
        remaining -= 1
        if remaining == 0 { continuation.resume(returning: results.map { $0 ?? .failure(.closed) }) }
    }
}

/// A command waiting for its reply. Loop-confined like its ``RedisConnection``.
final class PendingCommand: @unchecked Sendable {
    let command: RedisCommand
    let deadline: ContinuousClock.Instant
    private var completion: (@Sendable (Result<RedisValue, RedisError>) -> Void)?

    init(command: RedisCommand, deadline: ContinuousClock.Instant, completion: @escaping @Sendable (Result<RedisValue, RedisError>) -> Void) {
        self.command = command
        self.deadline = deadline
        self.completion = completion
    }

    var isDone: Bool { completion == nil }

    /// Runs the completion the first time only: a reply that arrives after a timeout is dropped.
    func complete(_ result: Result<RedisValue, RedisError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

private func replyCallback(
    _ context: UnsafeMutablePointer<redisAsyncContext>?,
    _ reply: UnsafeMutableRawPointer?,
    _ privdata: UnsafeMutableRawPointer?
) {
    guard let privdata else { return }
    let pending = Unmanaged<PendingCommand>.fromOpaque(privdata).takeRetainedValue()
    var kind = ReplyKind.error
    if let reply {
        let value = RedisValue(copying: reply.assumingMemoryBound(to: redisReply.self))
        if case .error(let message) = value {
            pending.complete(.failure(.server(message)))
            if ReplyKind.meansNotPrimary(message) { kind = .notPrimary(message) }
        } else {
            kind = .value
            pending.complete(.success(value))
        }
    } else {
        pending.complete(.failure(.connectionLost("connection closed before the reply")))
    }
    if let data = context?.pointee.data {
        let connection = Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue()
        withExtendedLifetime(connection) { connection.replyArrived(kind) }
    }
}

/// What a reply says about the connection it came on.
enum ReplyKind {
    /// A value: the connection works.
    case value
    /// An error reply, or none (the connection is going away).
    case error
    /// The server is no longer (or not yet) a usable primary: a demoted primary answers writes with `READONLY`, a
    /// replica still loading its data with `LOADING`, one cut off from its primary with `MASTERDOWN`. The
    /// connection is dropped and made again, which asks the sentinels (or DNS) where the primary is now.
    case notPrimary(String)

    static func meansNotPrimary(_ message: String) -> Bool {
        message.hasPrefix("READONLY") || message.hasPrefix("LOADING") || message.hasPrefix("MASTERDOWN")
    }
}

// The callbacks hold a strong local reference, so the connection outlives the call even when the call releases
// the context's reference.
private func connectCallback(_ context: UnsafePointer<redisAsyncContext>?, _ status: Int32) {
    guard let data = context?.pointee.data else { return }
    let connection = Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue()
    withExtendedLifetime(connection) { connection.connectFinished(status: status) }
}

private func disconnectCallback(_ context: UnsafePointer<redisAsyncContext>?, _ status: Int32) {
    guard let data = context?.pointee.data else { return }
    let connection = Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue()
    withExtendedLifetime(connection) { connection.disconnectFinished(status: status) }
}
