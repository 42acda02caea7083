package dev.steadfast.websocket.redis;

import io.lettuce.core.ScriptOutputType;

/**
 * The two Lua scripts that keep a topic's offset, epoch, history and live channel consistent. Redis runs a script
 * atomically, so offset assignment, {@code XADD} and {@code PUBLISH} happen as one step: live messages leave in
 * offset order and the history never misses an offset that was published live.
 *
 * <p>Keys per topic: a hash {@code <prefix>meta:<topic>} with fields {@code epoch} and {@code offset}, and a stream
 * {@code <prefix>history:<topic>} whose entry IDs are {@code <offset>-0}; both expire {@code historyTtl} after the
 * last publication. The live channel is {@code <prefix>topic:<topic>}; its messages are
 * {@code "<offset> <epoch> <payload>"} (a broker without history publishes {@code "- <payload>"} there, no script).
 */
final class HistoryScripts {

    /**
     * KEYS: meta, stream. ARGV: channel, payload, history size, ttl seconds, epoch for a new stream. Returns the
     * offset. A stream whose meta hash is gone (expired, evicted, Redis restarted empty) starts over with the new
     * epoch, and any stale stream is dropped so offsets never collide.
     */
    static final LuaScript PUBLISH = new LuaScript("""
            local epoch = redis.call('HGET', KEYS[1], 'epoch')
            if not epoch then
              epoch = ARGV[5]
              redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
              redis.call('DEL', KEYS[2])
            end
            local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
            local size = tonumber(ARGV[3])
            if size > 0 then
              redis.call('XADD', KEYS[2], 'MAXLEN', '~', size, offset .. '-0', 'p', ARGV[2])
              redis.call('EXPIRE', KEYS[2], ARGV[4])
            end
            redis.call('EXPIRE', KEYS[1], ARGV[4])
            redis.call('PUBLISH', ARGV[1], offset .. ' ' .. epoch .. ' ' .. ARGV[2])
            return offset
            """, ScriptOutputType.INTEGER);

    /**
     * KEYS: meta, stream. ARGV: since offset (-1: position only), epoch for a new stream, ttl seconds. Returns
     * {@code {epoch, top offset, entries}}, entries being {@code XRANGE} output after {@code since}.
     */
    static final LuaScript READ = new LuaScript("""
            local epoch = redis.call('HGET', KEYS[1], 'epoch')
            if not epoch then
              epoch = ARGV[2]
              redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
              redis.call('DEL', KEYS[2])
              redis.call('EXPIRE', KEYS[1], ARGV[3])
            end
            local top = tonumber(redis.call('HGET', KEYS[1], 'offset'))
            local since = tonumber(ARGV[1])
            if since < 0 or since >= top then
              return {epoch, top, {}}
            end
            return {epoch, top, redis.call('XRANGE', KEYS[2], (since + 1) .. '-0', '+')}
            """, ScriptOutputType.MULTI);

    private HistoryScripts() {
    }
}
