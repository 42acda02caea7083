package dev.steadfast.websocket.redis;

import dev.steadfast.websocket.BrokerException;
import dev.steadfast.websocket.MessageBroker;
import dev.steadfast.websocket.Recovery;
import dev.steadfast.websocket.StreamPosition;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.InternalThreadLocalMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * A {@link MessageBroker} on Redis (Lettuce), so several hub nodes share their topics: cross-node fan-out through
 * Redis PUB/SUB, and an optional per-topic history in a Redis Stream from which a reconnecting client recovers what it
 * missed ({@link #recover}).
 *
 * <p><b>Guarantees.</b> A publish completes only after Redis ran the publish script: the message got its offset,
 * was appended to the history and was published to every node subscribed at that moment, in one atomic step. With
 * {@code historySize} 0 a publish is a plain {@code PUBLISH}, complete once Redis answered it, and delivered without
 * a position (no offset, no epoch: there is nothing to recover from). While Redis is unreachable, or more than {@link RedisBrokerConfig#maxInFlightPublishes()} publishes
 * wait for it, a publish fails at once with a {@link BrokerException} ({@code broker_unavailable} /
 * {@code broker_overloaded}); it is never accepted and then dropped.
 *
 * <p><b>States</b>: connected ({@link #isConnected()}) → disconnected (Lettuce reconnects by itself with a backoff of
 * 100 ms to 2 s; subscriptions are then reconciled with what the local listeners need) → closed ({@link #close()},
 * terminal; stops every Lettuce and Netty thread it started).
 *
 * <pre>{@code
 * RedisBroker broker = RedisBroker.connect(RedisBrokerConfig.custom().uri("redis://127.0.0.1:6379").build());
 * WebSocketHub hub = WebSocketHub.builder(hubConfig).broker(broker).build();
 * // ... on shutdown, after the hub:
 * broker.close();
 * }</pre>
 */
public final class RedisBroker implements MessageBroker, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBroker.class);
    /**
     * How Lettuce words a command it refused to send because the connection is down
     * ({@code DisconnectedBehavior.REJECT_COMMANDS}): it was certainly not published. It can come while
     * {@code isOpen()} still says true, the connection having just dropped.
     */
    private static final String LETTUCE_REJECTED_WHILE_DISCONNECTED = "Currently not connected";

    private final RedisBrokerConfig config;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> publisher;
    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final TopicChannels channels;
    private final Disposable events;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** One Lettuce thread, so commands from one caller thread keep their order. */
    private final EventExecutor commandThread;
    private final String ttlSeconds;
    private final String historySize;
    /** The publish script, sent by its SHA in call order; null when the broker keeps no history (plain PUBLISH). */
    private final OrderedScript historyPublish;
    private volatile boolean closed;

    private RedisBroker(RedisBrokerConfig config, ClientResources resources, RedisClient client,
            StatefulRedisConnection<String, String> publisher, StatefulRedisPubSubConnection<String, String> subscriber) {
        this.config = config;
        this.resources = resources;
        this.client = client;
        this.publisher = publisher;
        this.subscriber = subscriber;
        this.commandThread = resources.eventExecutorGroup().next();
        this.channels = new TopicChannels(config.keyPrefix() + "topic:", subscriber, commandThread);
        this.ttlSeconds = Long.toString(Math.max(1, config.historyTtl().toSeconds()));
        this.historySize = Integer.toString(config.historySize());
        this.historyPublish = config.historySize() > 0
                ? new OrderedScript(HistoryScripts.PUBLISH, publisher, config.address())
                : null;
        this.events = resources.eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionActivatedEvent) {
                LOG.info("Connected to Redis at {}", config.address());
                channels.reconcile();
            } else if (event instanceof ConnectionDeactivatedEvent) {
                if (!closed) {
                    LOG.warn("Lost the connection to Redis at {}; publishes are refused until it is back",
                            config.address());
                }
                channels.disconnected();
            }
        });
    }

    /**
     * Connects to Redis (a command connection and a PUB/SUB connection) and returns the running broker.
     *
     * @throws BrokerException ({@code broker_unavailable}) naming the address and the cause when Redis cannot be
     *     reached or refuses the password; nothing is left running
     */
    public static RedisBroker connect(RedisBrokerConfig config) {
        Objects.requireNonNull(config, "config");
        return withoutNettyMapLeft(() -> connectNow(config));
    }

    private static RedisBroker connectNow(RedisBrokerConfig config) {
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(1)
                .threadFactoryProvider(pool -> new DefaultThreadFactory("steadfast-redis-" + pool, true))
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisURI.Builder uri = RedisURI.builder()
                .withHost(config.uri().getHost())
                .withPort(config.uri().getPort())
                .withSsl("rediss".equals(config.uri().getScheme()))
                .withTimeout(config.commandTimeout());
        config.password().ifPresent(uri::withPassword);
        RedisClient client = RedisClient.create(resources, uri.build());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Never queue a publish while disconnected: it would be neither refused nor delivered for a while.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(config.maxInFlightPublishes() + 1_000)
                .socketOptions(SocketOptions.builder().connectTimeout(config.connectTimeout()).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .build());
        // Connected from a Lettuce thread: connecting leaves Lettuce's and Netty's per-thread state on the thread.
        Future<RedisBroker> connected = resources.eventExecutorGroup().submit(() -> {
            StatefulRedisConnection<String, String> publisher = client.connect(StringCodec.UTF8);
            try {
                return new RedisBroker(config, resources, client, publisher, client.connectPubSub(StringCodec.UTF8));
            } catch (RuntimeException e) {
                publisher.close();
                throw e;
            }
        });
        try {
            return connected.get();
        } catch (ExecutionException e) {
            shutdown(client, resources);
            Throwable cause = rootCause(e);
            // Lettuce's exception attached, not as the cause: reports show the root cause, and this message is
            // the one that names both the address and why.
            BrokerException failure = BrokerException.unavailable("cannot connect to Redis at " + config.address()
                    + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage(), null);
            failure.addSuppressed(e.getCause());
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connected.cancel(true);
            shutdown(client, resources);
            throw BrokerException.unavailable("interrupted while connecting to Redis at " + config.address(), e);
        }
    }

    /**
     * The Lua source a publish to a topic with history runs on Redis (its keys: the topic's meta hash and stream;
     * its arguments: channel, payload, history size, TTL seconds, epoch for a new stream), for tools that measure
     * its cost in Redis itself, e.g. {@code SCRIPT LOAD} it and time {@code EVALSHA}.
     */
    public static String publishScript() {
        return HistoryScripts.PUBLISH.source();
    }

    /** The configuration this broker runs with. */
    public RedisBrokerConfig config() {
        return config;
    }

    @Override
    public CompletionStage<Void> publish(String topic, String payload) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (closed) {
            return CompletableFuture.failedFuture(BrokerException.unavailable("the Redis broker is closed", null));
        }
        if (!publisher.isOpen()) {
            return CompletableFuture.failedFuture(disconnected(null));
        }
        if (inFlight.incrementAndGet() > config.maxInFlightPublishes()) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(BrokerException.overloaded(config.maxInFlightPublishes()
                    + " publishes are waiting for Redis at " + config.address() + "; try again later"));
        }
        CompletionStage<Long> sent = historyPublish == null
                ? onLettuceThread(() -> publisher.async().publish(channels.channelOf(topic),
                        TopicChannels.UNPOSITIONED + payload))
                : onLettuceThread(() -> historyPublish.run(keys(topic), channels.channelOf(topic), payload,
                        historySize, ttlSeconds, newEpoch()));
        CompletableFuture<Void> accepted = new CompletableFuture<>();
        sent.whenComplete((offset, failure) -> {
            inFlight.decrementAndGet();
            if (failure == null) {
                accepted.complete(null);
            } else {
                accepted.completeExceptionally(refusal(failure));
            }
        });
        return accepted;
    }

    @Override
    public Subscription subscribe(String topic, MessageListener listener) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(listener, "listener");
        return channels.subscribe(topic, listener);
    }

    @Override
    public boolean keepsHistory() {
        return config.historySize() > 0;
    }

    /**
     * Reads the topic's position and, when {@code since} is given, the publications after it; waits first (at most
     * the command timeout) until Redis confirmed this node's subscription to the topic, so every later publication
     * arrives live.
     */
    @Override
    public CompletionStage<Recovery> recover(String topic, StreamPosition since) {
        Objects.requireNonNull(topic, "topic");
        CompletableFuture<Void> active = new CompletableFuture<>();
        channels.active(topic).whenComplete((ignored, failure) -> {
            if (failure == null) {
                active.complete(null);
            } else {
                active.completeExceptionally(failure);
            }
        });
        if (!active.isDone()) {
            // Lettuce's timer, not CompletableFuture.orTimeout: that one starts a JDK thread nobody stops.
            Timeout timeout = resources.timer().newTimeout(t -> active.completeExceptionally(
                    BrokerException.unavailable("Redis at " + config.address() + " did not confirm the subscription"
                            + " to '" + topic + "' within " + config.commandTimeout(), null)),
                    config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            active.whenComplete((ignored, failure) -> timeout.cancel());
        }
        String sinceOffset = Long.toString(since == null || !keepsHistory() ? -1 : since.offset());
        return active.thenCompose(ignored -> onLettuceThread(() -> HistoryScripts.READ.<List<Object>>run(
                        publisher.async(), keys(topic), sinceOffset, newEpoch(), ttlSeconds)))
                .handle((reply, failure) -> {
                    if (failure != null) {
                        throw new CompletionException(refusal(failure));
                    }
                    return recovery(since, reply);
                });
    }

    private Recovery recovery(StreamPosition since, List<Object> reply) {
        StreamPosition position = new StreamPosition((Long) reply.get(1), (String) reply.get(0));
        if (since == null || !keepsHistory() || !since.epoch().equals(position.epoch())
                || since.offset() > position.offset()) {
            return Recovery.notRecovered(position);
        }
        List<Recovery.Publication> publications = new ArrayList<>();
        for (Object item : (List<?>) reply.get(2)) {
            List<?> entry = (List<?>) item;
            String id = (String) entry.get(0);
            List<?> fields = (List<?>) entry.get(1);
            long offset = Long.parseLong(id, 0, id.indexOf('-'), 10);
            publications.add(new Recovery.Publication(offset, (String) fields.get(1)));
        }
        long expectedFirst = since.offset() + 1;
        boolean covered = since.offset() == position.offset()
                || (!publications.isEmpty() && publications.get(0).offset() == expectedFirst
                        && publications.get(publications.size() - 1).offset() == position.offset()
                        && publications.size() == position.offset() - since.offset());
        return covered ? new Recovery(true, position, publications) : Recovery.notRecovered(position);
    }

    @Override
    public boolean isConnected() {
        return !closed && publisher.isOpen() && subscriber.isOpen();
    }

    /** Topics with at least one local listener: the Redis channel subscriptions this node needs. */
    public int topicCount() {
        return channels.topicCount();
    }

    /** Local listeners over all topics. */
    public int subscriptionCount() {
        return channels.listenerCount();
    }

    /** Channel subscriptions Redis has confirmed for this node (equals {@link #topicCount()} once settled). */
    public int redisSubscriptionCount() {
        return channels.confirmedCount();
    }

    /** Publishes sent to Redis and not yet answered. */
    public int inFlightPublishes() {
        return inFlight.get();
    }

    /** Closes both connections and stops every Lettuce thread; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        withoutNettyMapLeft(() -> {
            closeNow();
            return null;
        });
    }

    private void closeNow() {
        events.dispose();
        // Closed from a Lettuce thread, as they were opened (closing takes Lettuce's per-thread writer lock).
        Future<?> connectionsClosed = commandThread.submit(() -> {
            subscriber.close();
            publisher.close();
        });
        try {
            connectionsClosed.get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("Closing the connections to Redis at {} failed; stopping the client anyway", config.address(), e);
        }
        shutdown(client, resources);
    }

    @Override
    public String toString() {
        return "RedisBroker[" + config.address() + (isConnected() ? ", connected" : ", disconnected") + ", topics="
                + topicCount() + ", subscriptions=" + subscriptionCount() + "]";
    }

    /**
     * Runs {@code command} on the calling thread when it is a Netty thread (the hub's event loops), else on one of
     * Lettuce's: writing a command leaves Lettuce's and Netty's per-thread state on the writing thread, which must
     * not happen to a caller's pooled thread.
     */
    private <T> CompletionStage<T> onLettuceThread(Supplier<CompletionStage<T>> command) {
        if (Thread.currentThread() instanceof FastThreadLocalThread) {
            try {
                return command.get();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            commandThread.execute(() -> {
                try {
                    command.get().whenComplete((value, failure) -> {
                        if (failure == null) {
                            result.complete(value);
                        } else {
                            result.completeExceptionally(failure);
                        }
                    });
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(BrokerException.unavailable("the Redis broker is closed", e));
        }
        return result;
    }

    private String[] keys(String topic) {
        return new String[] {config.keyPrefix() + "meta:" + topic, config.keyPrefix() + "history:" + topic};
    }

    /** A fresh epoch candidate; only used by the scripts when the topic has no stream yet. */
    private static String newEpoch() {
        return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
    }

    private BrokerException disconnected(Throwable cause) {
        return BrokerException.unavailable("Redis at " + config.address() + " is disconnected; the message was not"
                + " published", cause);
    }

    /** A failure of a Redis command as the client should see it. */
    private RuntimeException refusal(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof BrokerException broker) {
            return broker;
        }
        if (cause instanceof RedisCommandTimeoutException || cause instanceof java.util.concurrent.TimeoutException) {
            return BrokerException.unavailable("Redis at " + config.address() + " did not answer within "
                    + config.commandTimeout() + "; the outcome is unknown", cause);
        }
        if (!publisher.isOpen() || (cause instanceof RedisException
                && String.valueOf(cause.getMessage()).startsWith(LETTUCE_REJECTED_WHILE_DISCONNECTED))) {
            return disconnected(cause);
        }
        if (cause instanceof java.io.IOException || (cause instanceof RedisException
                && !(cause instanceof RedisCommandExecutionException))) {
            // Not an error reply from Redis: the connection failed with the command written or about to be.
            return BrokerException.unavailable("the connection to Redis at " + config.address() + " was lost while"
                    + " the command was on its way; the outcome is unknown", cause);
        }
        return cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static void shutdown(RedisClient client, ClientResources resources) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
    }

    /**
     * Runs {@code action} and removes the per-thread map Netty stores on a plain thread that creates or waits on its
     * executors (connect and close do), unless the caller already had one: it must not stay on a caller's pooled
     * thread.
     */
    private static <T> T withoutNettyMapLeft(Supplier<T> action) {
        if (Thread.currentThread() instanceof FastThreadLocalThread || InternalThreadLocalMap.getIfSet() != null) {
            return action.get();
        }
        try {
            return action.get();
        } finally {
            InternalThreadLocalMap.remove();
        }
    }
}
