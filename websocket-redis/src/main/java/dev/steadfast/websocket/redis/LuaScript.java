package dev.steadfast.websocket.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;

/**
 * One Lua script: its source, the SHA-1 Redis caches it under, and its reply type.
 *
 * <p>{@link #run} sends the whole source ({@code EVAL}): right for a rare command, and never fails for a lost script
 * cache. The hot path (a publish) sends the SHA through {@link OrderedScript}, which keeps the order of the calls when
 * Redis lost its cache.
 */
final class LuaScript {

    private final String source;
    private final byte[] sourceBytes;
    private final String sha;
    private final ScriptOutputType output;

    LuaScript(String source, ScriptOutputType output) {
        this.source = source;
        this.sourceBytes = source.getBytes(StandardCharsets.UTF_8);
        this.sha = sha1(sourceBytes);
        this.output = output;
    }

    String source() {
        return source;
    }

    /** {@code EVAL} with the whole source. */
    <T> CompletionStage<T> run(RedisAsyncCommands<String, String> redis, String[] keys, String... args) {
        return redis.<T>eval(sourceBytes, output, keys, args);
    }

    /** {@code EVALSHA}: fails with {@code NOSCRIPT} when Redis does not hold the script (see {@link OrderedScript}). */
    <T> CompletionStage<T> runBySha(RedisAsyncCommands<String, String> redis, String[] keys, String... args) {
        return redis.<T>evalsha(sha, output, keys, args);
    }

    private static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }
}
