import CHiredis

/// Asks one sentinel where the primary of a master name is, with hiredis' blocking API.
///
/// Runs on a background queue, never on a loop thread (see ``RedisSentinelSet/locatePrimary(completion:)``): a
/// sentinel that does not answer costs at most `timeout` there, and nothing else waits for it.
enum SentinelQuery {
    static func primary(
        of masterName: String,
        at sentinel: RedisEndpoint,
        password: String?,
        timeout: Duration
    ) -> Result<RedisEndpoint, RedisError> {
        let limit = chiredis_timeval(timeout.microseconds)
        guard let context = redisConnectWithTimeout(sentinel.host, Int32(sentinel.port), limit) else {
            return .failure(.connectionFailed("sentinel \(sentinel): out of memory"))
        }
        defer { redisFree(context) }
        guard context.pointee.err == 0 else {
            return .failure(.connectionFailed("sentinel \(sentinel): \(errorText(context))"))
        }
        _ = redisSetTimeout(context, limit)
        if let password {
            guard case .some(.status) = send(RedisCommand("AUTH", password), on: context) else {
                return .failure(.connectionFailed("sentinel \(sentinel) refused the password"))
            }
        }
        switch send(RedisCommand("SENTINEL", "get-master-addr-by-name", masterName), on: context) {
        case .array(let parts) where parts.count == 2:
            guard let host = parts[0].string, !host.isEmpty, let port = parts[1].string.flatMap({ Int($0) }), (1...65535).contains(port) else {
                return .failure(.unexpectedReply("sentinel \(sentinel) gave an invalid address for \(masterName)"))
            }
            return .success(RedisEndpoint(host: host, port: port))
        case .null, .array:
            return .failure(.connectionFailed("sentinel \(sentinel) does not know master \(masterName)"))
        case .error(let message):
            return .failure(.server("sentinel \(sentinel): \(message)"))
        case nil:
            return .failure(.connectionFailed("sentinel \(sentinel): \(errorText(context))"))
        default:
            return .failure(.unexpectedReply("sentinel \(sentinel) answered get-master-addr-by-name oddly"))
        }
    }

    private static func send(_ command: RedisCommand, on context: UnsafeMutablePointer<redisContext>) -> RedisValue? {
        let reply = command.withArgv { argc, argv, argvlen in redisCommandArgv(context, argc, argv, argvlen) }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        return RedisValue(copying: reply.assumingMemoryBound(to: redisReply.self))
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
