package dev.steadfast.websocket.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

/**
 * One Lua script, always sent in full ({@code EVAL}; Redis caches the compiled script by its SHA-1).
 *
 * <p>Not {@code EVALSHA} with a fallback to {@code EVAL} on {@code NOSCRIPT}: Redis has no script cached after it
 * starts (or restarts, or {@code SCRIPT FLUSH}), and the fallback re-sends a publish only when its {@code NOSCRIPT}
 * reply arrives, after later publishes already went out as {@code EVALSHA} and ran once an earlier {@code EVAL} had
 * loaded the script: publishes of one publisher got their offsets out of order (seen in
 * {@code RedisBrokerTest.scriptCacheLostWhilePublishing_publishesKeepTheirOrder}). Sending the source costs its few
 * hundred bytes per command; order is what the offsets promise.
 */
final class LuaScript {

    private final byte[] source;
    private final ScriptOutputType output;

    LuaScript(String source, ScriptOutputType output) {
        this.source = source.getBytes(StandardCharsets.UTF_8);
        this.output = output;
    }

    <T> CompletionStage<T> run(RedisAsyncCommands<String, String> redis, String[] keys, String... args) {
        return redis.<T>eval(source, output, keys, args);
    }
}
