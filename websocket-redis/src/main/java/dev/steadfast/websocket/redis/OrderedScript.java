package dev.steadfast.websocket.redis;

import dev.steadfast.websocket.BrokerException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one Lua script by its SHA-1 ({@code EVALSHA}, a few dozen bytes instead of the whole source) on one
 * connection, pipelined, and keeps the calls in the order they were made even when Redis loses its script cache
 * (restart, {@code SCRIPT FLUSH}).
 *
 * <p>Why a plain "{@code EVALSHA}, on {@code NOSCRIPT} {@code EVAL}" fallback is not enough: the {@code NOSCRIPT}
 * reply to call k arrives after calls k+1, k+2… were already sent; the first fallback loads the script, and later
 * calls sent as {@code EVALSHA} then run before the fallbacks of the earlier ones (seen in
 * {@code RedisBrokerTest.scriptCacheLostWhilePublishing_publishesKeepTheirOrder}).
 *
 * <p>So this class has two states. <b>Sending</b>: each call goes out at once as {@code EVALSHA}. The first
 * {@code NOSCRIPT} reply switches to <b>reloading</b>: new calls are held (not sent); the calls already on their way
 * are answered one by one (Redis answers a connection in order), each {@code NOSCRIPT} one is kept for a retry, in
 * order. Once none is on its way, {@code SCRIPT LOAD}; on its reply the retries and then the held calls are sent, in
 * order, and the state is sending again. A {@code NOSCRIPT} call had no effect in Redis, so retrying it is exact.
 *
 * <p>One case cannot be retried without reordering: another client (another node) loaded the script between two of
 * this connection's calls, so call k failed with {@code NOSCRIPT} and the later call j succeeded. Then every call kept
 * for a retry is refused ({@code broker_unavailable}, never acknowledged; the client may publish it again), so no
 * acknowledged call is ever overtaken by a later one. This needs the cache to be flushed while the connection stays
 * up; a Redis restart drops the connection, and what was on its way fails as "outcome unknown" anyway.
 *
 * <p>Every call's completion is bounded by the connection's command timeout: held calls wait for the answers to the
 * calls on their way and for one {@code SCRIPT LOAD}.
 */
final class OrderedScript {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBroker.class);

    private final LuaScript script;
    private final StatefulRedisConnection<String, String> connection;
    private final String address;

    // Guarded by this: the order calls are handed to Lettuce is the order they reach Redis and are answered in.
    private boolean reloading;
    /** Calls sent and not answered yet. */
    private int unanswered;
    /** While reloading: calls answered NOSCRIPT, to send again in this order. */
    private final List<Call<?>> retries = new ArrayList<>();
    /** While reloading: calls made after the first NOSCRIPT, not sent yet. */
    private final List<Call<?>> held = new ArrayList<>();
    /** While reloading: a call sent after a NOSCRIPT one succeeded, so retrying would reorder. */
    private boolean overtaken;

    OrderedScript(LuaScript script, StatefulRedisConnection<String, String> connection, String address) {
        this.script = script;
        this.connection = connection;
        this.address = address;
    }

    /** Runs the script with these keys and arguments; the stage completes with its reply. */
    <T> CompletionStage<T> run(String[] keys, String... args) {
        Call<T> call = new Call<>(keys, args);
        synchronized (this) {
            if (reloading) {
                held.add(call);
            } else {
                send(call);
            }
        }
        return call.result;
    }

    /** Number of calls on their way to Redis or held during a reload (for tests and diagnostics). */
    synchronized int pending() {
        return unanswered + retries.size() + held.size();
    }

    // Called with the lock held.
    private <T> void send(Call<T> call) {
        unanswered++;
        CompletionStage<T> reply;
        try {
            reply = script.runBySha(connection.async(), call.keys, call.args);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        // May run at once, on this thread (Lettuce refuses a command while disconnected): the lock is reentrant.
        reply.whenComplete((value, failure) -> answered(call, value, failure));
    }

    private <T> void answered(Call<T> call, T value, Throwable failure) {
        boolean complete;
        synchronized (this) {
            unanswered--;
            if (failure != null && isNoScript(failure)) {
                if (!reloading) {
                    reloading = true;
                    LOG.info("Redis at {} lost its scripts; reloading, publishes wait meanwhile", address);
                }
                retries.add(call);
                complete = false;
            } else {
                if (reloading && failure == null && !retries.isEmpty()) {
                    overtaken = true;
                }
                complete = true;
            }
            if (reloading && unanswered == 0) {
                load();
            }
        }
        if (complete) {
            call.complete(value, failure);
        }
    }

    // Called with the lock held, once nothing is on its way.
    private void load() {
        unanswered++;  // the SCRIPT LOAD itself: nothing else is sent until it is answered
        CompletionStage<String> loaded;
        try {
            loaded = connection.async().scriptLoad(script.source());
        } catch (RuntimeException e) {
            loaded = CompletableFuture.failedFuture(e);
        }
        loaded.whenComplete((sha, failure) -> reloaded(failure));
    }

    private void reloaded(Throwable failure) {
        List<Call<?>> refused = new ArrayList<>();
        Throwable refusal = null;
        synchronized (this) {
            unanswered--;
            if (failure != null) {
                refused.addAll(retries);
                refused.addAll(held);
                refusal = failure;
            } else {
                if (overtaken) {
                    LOG.warn("Redis at {} lost its scripts and another client reloaded them while {} publishes of"
                            + " this node were on their way; they are refused so none is overtaken by a later one",
                            address, retries.size());
                    refused.addAll(retries);
                    refusal = BrokerException.unavailable("Redis at " + address + " lost its scripts while the"
                            + " message was on its way; it was not published, publish it again", null);
                } else {
                    for (Call<?> call : retries) {
                        send(call);
                    }
                }
                for (Call<?> call : held) {
                    send(call);
                }
            }
            retries.clear();
            held.clear();
            overtaken = false;
            reloading = false;
        }
        for (Call<?> call : refused) {
            call.complete(null, refusal);
        }
    }

    private static boolean isNoScript(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof RedisNoScriptException;
    }

    private static final class Call<T> {
        final String[] keys;
        final String[] args;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Call(String[] keys, String[] args) {
            this.keys = keys;
            this.args = args;
        }

        @SuppressWarnings("unchecked")
        void complete(Object value, Throwable failure) {
            if (failure == null) {
                result.complete((T) value);
            } else {
                result.completeExceptionally(failure);
            }
        }
    }
}
