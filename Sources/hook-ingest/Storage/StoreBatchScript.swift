import Common
import Crypto

/// The Lua script that stores one batch atomically: per event, skip it if its dedup marker exists; otherwise
/// append it to the stream, set the marker (holding the new entry id), update the message record and publish
/// the envelope. Redis runs the script as one step, so a batch is stored entirely or not at all from any
/// reader's point of view, and two ingests racing on the same events store each once.
///
/// Retention (see ``StreamRetention``): the stream is trimmed by count on every XADD and by age once per batch;
/// an event larger than the large-event size keeps its JSON under `<prefix>:body:<dedup hash>:<n>` and the entry
/// holds `event_ref` instead of `event`. The list `<prefix>:bodies` records those keys oldest first with their
/// sizes, and `<prefix>:bodies:bytes` their total: past the budget the oldest bodies are deleted.
enum StoreBatchScript {
    /// Arguments per event, after the fixed ones.
    static let argumentsPerEvent = 8
    static let fixedArguments = 12

    static let source = """
        -- ARGV: stream, channel, seen prefix, message prefix, stream maxlen, dedup ttl (s), message ttl (s, 0 = none),
        -- stream max age (ms, 0 = none), body prefix, bodies list, large event bytes, large event memory,
        -- then per event: dedup hash, type, email, envelope head, event JSON, message id, ts, msg JSON.
        -- Returns one entry per event: the new stream id, or 0 for a duplicate.
        local stream, channel, seenPrefix, messagePrefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        local maxlen, dedupTTL, messageTTL, maxAge = ARGV[5], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
        local bodyPrefix, bodies, largeBytes, largeMemory = ARGV[9], ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12])
        local bodiesBytes = bodies .. ':bytes'
        local results = {}
        local lastID
        for i = 13, #ARGV, 8 do
          local seenKey = seenPrefix .. ARGV[i]
          if redis.call('EXISTS', seenKey) == 1 then
            results[#results + 1] = 0
          else
            local eventType, email, head, event = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
            local id
            if #event > largeBytes then
              local bodyKey = bodyPrefix .. ARGV[i] .. ':' .. redis.call('INCR', bodies .. ':seq')
              local total = tonumber(redis.call('GET', bodiesBytes) or '0')
              while total + #event > largeMemory do
                local oldest = redis.call('LPOP', bodies)
                if not oldest then total = 0 break end
                local size, key = string.match(oldest, '^(%d+) (.+)$')
                redis.call('DEL', key)
                total = total - tonumber(size)
              end
              if maxAge > 0 then
                redis.call('SET', bodyKey, event, 'PX', maxAge)
              else
                redis.call('SET', bodyKey, event)
              end
              redis.call('RPUSH', bodies, #event .. ' ' .. bodyKey)
              redis.call('SET', bodiesBytes, total + #event)
              id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'type', eventType, 'email', email, 'event_ref', bodyKey, 'event_bytes', #event)
            else
              id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'type', eventType, 'email', email, 'event', event)
            end
            lastID = id
            redis.call('SET', seenKey, id, 'EX', dedupTTL)
            local messageID, ts, msg = ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
            if messageID ~= '' then
              local messageKey = messagePrefix .. messageID
              local current = redis.call('HGET', messageKey, 'msg_ts')
              if msg ~= '' and ((not current) or (tonumber(ts) or 0) >= (tonumber(current) or 0)) then
                redis.call('HSET', messageKey, 'msg', msg, 'msg_ts', ts, 'e:' .. id, eventType)
              else
                redis.call('HSET', messageKey, 'e:' .. id, eventType)
              end
              if messageTTL > 0 then redis.call('EXPIRE', messageKey, messageTTL) end
            end
            redis.call('PUBLISH', channel, '{"id":"' .. id .. '",' .. head .. event .. '}')
            results[#results + 1] = id
          end
        end
        if lastID and maxAge > 0 then
          local newest = tonumber(string.match(lastID, '^(%d+)'))
          redis.call('XTRIM', stream, 'MINID', '~', string.format('%.0f', newest - maxAge))
        end
        return results
        """

    /// SHA-1 of the source, for EVALSHA.
    static let sha: String = Insecure.SHA1.hash(data: Array(source.utf8)).hexString
}
