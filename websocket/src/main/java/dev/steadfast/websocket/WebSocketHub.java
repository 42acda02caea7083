package dev.steadfast.websocket;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty WebSocket hub: topics, publish/subscribe over JSON text frames on {@code /ws}, server-side publishing via
 * {@code POST /api/publish}, and extra HTTP routes on the same port. Every way a connection ends runs one cleanup,
 * exactly once, that removes it from the registry, every topic and every broker subscription and updates the counters
 * in {@link #statistics()} by {@link CloseReason}.
 *
 * <h2>Lifecycle</h2>
 * NEW → ({@link #start()}) RUNNING → ({@link #stopAccepting()}) DRAINING → ({@link #close()}) CLOSED, terminal.
 * {@link #closeAll(int, Duration)} may be called in RUNNING or DRAINING; {@link #close()} may be called in any state,
 * closes remaining connections with 1001, stops the event loops the hub created, and is idempotent. A hub is not
 * restartable. The blocking methods ({@code start}, {@code closeAll}, {@code close}) must not be called from one of
 * the hub's event-loop threads.
 *
 * <h2>Protocol</h2> See the module README: client ops {@code subscribe}, {@code unsubscribe}, {@code publish} (acked
 * with the client's {@code id}), {@code ping}; server frames {@code subscribed}, {@code unsubscribed}, {@code ack},
 * {@code pong}, {@code message}, {@code error}.
 *
 * <pre>{@code
 * byte[] secret = TokenIssuer.newSecret();
 * WebSocketHubConfig config = WebSocketHubConfig.custom()
 *         .port(8080)
 *         .tokenSecret(secret)
 *         .publishApiKey("change-me-0123456789")
 *         .build();
 * try (WebSocketHub hub = WebSocketHub.builder(config)
 *         .route("GET", "/health/live", request -> HttpReply.ok("text/plain", "UP"))
 *         .build()) {
 *     hub.start();
 *     String token = TokenIssuer.hs256(secret).issue("42", List.of("room:*"), List.of("room:*"), Duration.ofHours(1));
 *     // ws://localhost:8080/ws?access_token=<token>
 *     ...
 *     hub.stopAccepting();
 *     hub.closeAll(1001, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class WebSocketHub implements AutoCloseable {

    /** Prefix of the names of event-loop threads the hub creates itself. */
    public static final String DEFAULT_THREAD_NAME_PREFIX = "steadfast-websocket";

    /** Path of the server-side publish API ({@code POST}). */
    public static final String PUBLISH_PATH = "/api/publish";
    /** Header carrying the publish API's key. */
    public static final String API_KEY_HEADER = "X-Api-Key";
    /** Query parameter that may carry the token when the client cannot set headers (browsers). */
    public static final String ACCESS_TOKEN_PARAMETER = "access_token";
    /** Longest accepted topic name, in characters. */
    public static final int MAX_TOPIC_LENGTH = 256;

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);
    /** Connections the kernel may queue before the hub accepts them ({@code SO_BACKLOG}). */
    static final int ACCEPT_BACKLOG = 1024;

    private enum State { NEW, RUNNING, DRAINING, CLOSED }

    private final HubSettings settings;
    private final WebSocketHubConfig config;
    private final HubCore core;
    private final Object lifecycleLock = new Object();
    private volatile State state = State.NEW;
    private EventLoopGroup ownedGroup;
    private final List<Thread> ownedThreads = new ArrayList<>();
    private Channel serverChannel;
    private volatile int boundPort = -1;

    private WebSocketHub(HubSettings settings) {
        this.settings = settings;
        this.config = settings.config();
        this.core = new HubCore(settings);
    }

    /**
     * A builder of a hub with the given settings, which must include a token secret; the broker, threads and extra
     * routes are set on the builder.
     */
    public static Builder builder(WebSocketHubConfig config) {
        return new Builder(Objects.requireNonNull(config, "config"));
    }

    /**
     * Binds the port and returns once the hub is listening.
     *
     * @throws IllegalStateException if called twice or after {@link #close()}, or if the port cannot be bound (the
     *                               message names the address and the cause; the hub then releases its threads)
     */
    public void start() {
        CallerThreads.run(this::startListening);
    }

    private void startListening() {
        synchronized (lifecycleLock) {
            if (state != State.NEW) {
                throw new IllegalStateException("start() may be called once, on a new hub; state is " + state);
            }
            EventLoopGroup group = settings.eventLoopGroup().orElseGet(() -> {
                ThreadFactory factory = settings.threadFactory()
                        .orElseGet(() -> new DefaultThreadFactory(DEFAULT_THREAD_NAME_PREFIX, true));
                // Remembered so close() can return only once they have really ended, not just been told to.
                ThreadFactory remembering = runnable -> {
                    Thread thread = factory.newThread(runnable);
                    synchronized (ownedThreads) {
                        ownedThreads.add(thread);
                    }
                    return thread;
                };
                ownedGroup = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), remembering,
                        NioIoHandler.newFactory());
                return ownedGroup;
            });
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, HubChannelInitializer.READ_SIZES)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(config.maxOutboundBytes() / 2, config.maxOutboundBytes()))
                    .childHandler(new HubChannelInitializer(core));
            InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
            ChannelFuture bind = bootstrap.bind(address).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                shutDownOwnedGroup();
                state = State.CLOSED;
                throw new IllegalStateException("WebSocket hub could not listen on " + address + ": "
                        + bind.cause() + "; choose another port or bind address", bind.cause());
            }
            serverChannel = bind.channel();
            boundPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
            state = State.RUNNING;
            LOG.info("WebSocket hub listening on {}:{}{}", config.bindAddress(), boundPort, config.path());
        }
    }

    /**
     * The port the hub listens on (the actual one when configured with port 0).
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public int port() {
        int port = boundPort;
        if (port < 0) {
            throw new IllegalStateException("port() is known once start() has returned; state is " + state);
        }
        return port;
    }

    /**
     * Whether the hub accepts new connections: {@code true} from {@link #start()} until {@link #stopAccepting()} or
     * {@link #close()}, and only while its listening socket is open. A readiness probe reads it.
     *
     * <pre>{@code
     * boolean ready = hub.isAccepting() && !draining;
     * }</pre>
     */
    public boolean isAccepting() {
        // state is volatile and written after serverChannel: reading it first makes serverChannel visible.
        if (state != State.RUNNING) {
            return false;
        }
        Channel listening = serverChannel;
        return listening != null && listening.isOpen();
    }

    /**
     * Stops accepting: closes the listening socket and answers upgrade requests already read with 503. Open
     * connections keep their subscriptions and receive what was published before, but every publish from now on (a
     * client's {@code publish}, the publish API, {@link #publish}) is refused with {@code shutting_down} (HTTP 503)
     * instead of acknowledged: an ack must mean the message reached the fan-out. Idempotent.
     */
    public void stopAccepting() {
        CallerThreads.run(this::stopListening);
    }

    private void stopListening() {
        synchronized (lifecycleLock) {
            core.stopAccepting();
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly();
            }
            if (state == State.RUNNING) {
                state = State.DRAINING;
            }
        }
    }

    /**
     * Closes every connection open now: WebSocket clients get a close frame with {@code code}, queued after every
     * message already accepted for them (so every publish acknowledged before this call reaches every subscriber
     * connected at the time), then the socket is closed once the frame is flushed. Connections not closed within
     * {@code drain} are dropped. Call {@link #stopAccepting()} first so no new client arrives meanwhile.
     *
     * @param code  WebSocket close code: 1000–1003, 1007–1011 or 3000–4999 (1001 "going away" for shutdown)
     * @param drain how long to wait for close frames to flush; zero drops connections at once
     * @return {@code true} if every connection closed within {@code drain}, {@code false} if some were dropped
     * @throws IllegalArgumentException if {@code code} cannot be sent or {@code drain} is negative
     */
    public boolean closeAll(int code, Duration drain) {
        if (!CloseCodes.isSendable(code)) {
            throw new IllegalArgumentException("code must be a sendable WebSocket close code (1000-1003, 1007-1011, "
                    + "3000-4999): " + code);
        }
        Objects.requireNonNull(drain, "drain");
        if (drain.isNegative()) {
            throw new IllegalArgumentException("drain must not be negative: " + drain);
        }
        return CallerThreads.call(() -> core.closeAll(code, drain));
    }

    /**
     * Closes every connection with 1001 (waiting up to the close timeout), stops the event loops the hub created
     * (a caller-supplied group is left running) and returns when their threads have ended. Idempotent. (Netty's
     * shared {@code globalEventExecutor} thread, which runs termination listeners, ends by itself about a second
     * later.)
     */
    @Override
    public void close() {
        CallerThreads.run(this::closeEverything);
    }

    private void closeEverything() {
        synchronized (lifecycleLock) {
            if (state == State.CLOSED) {
                return;
            }
            if (state == State.NEW) {
                // Nothing was started: no socket, no thread, nothing to report.
                state = State.CLOSED;
                return;
            }
            stopListening();
            core.closeAll(1001, config.closeTimeout());
            shutDownOwnedGroup();
            state = State.CLOSED;
            LOG.info("WebSocket hub closed: {}", core.statistics());
        }
    }

    private void shutDownOwnedGroup() {
        if (ownedGroup != null) {
            long timeoutMillis = config.closeTimeout().toMillis();
            ownedGroup.shutdownGracefully(0, timeoutMillis, TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis + 5_000);
            if (!ownedGroup.terminationFuture().awaitUninterruptibly(timeoutMillis + 5_000)) {
                LOG.warn("WebSocket hub event loops did not terminate within {} ms", timeoutMillis + 5_000);
            }
            List<Thread> threads;
            synchronized (ownedThreads) {
                threads = List.copyOf(ownedThreads);
                ownedThreads.clear();
            }
            for (Thread thread : threads) {
                joinUninterruptibly(thread, deadline);
            }
            ownedGroup = null;
        }
    }

    private static void joinUninterruptibly(Thread thread, long deadlineNanos) {
        boolean interrupted = false;
        try {
            while (thread.isAlive()) {
                long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                if (remainingMillis <= 0) {
                    LOG.warn("WebSocket hub event-loop thread {} is still running after close()", thread.getName());
                    return;
                }
                try {
                    thread.join(remainingMillis);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Publishes {@code payload} (JSON text) to every subscriber of {@code topic} through the hub's broker, as
     * {@code POST /api/publish} does. The stage completes once the broker accepted the message; it fails with an
     * {@link IllegalStateException} once {@link #stopAccepting()} was called (nothing is published then).
     *
     * @throws IllegalArgumentException if the topic is not a valid topic name, or the payload is not JSON or cannot be
     *     delivered (e.g. an unpaired UTF-16 surrogate)
     */
    public CompletionStage<Void> publish(String topic, String payload) {
        return CallerThreads.call(() -> core.publishFromServer(topic, payload));
    }

    /** The broker carrying this hub's messages. */
    public MessageBroker broker() {
        return settings.broker();
    }

    /** A snapshot of the counters and registry sizes; cheap enough for a metrics scrape. */
    public WebSocketStatistics statistics() {
        return core.statistics();
    }

    /** A Micrometer binder publishing {@link #statistics()} as {@code steadfast.websocket.*} meters. */
    public MeterBinder meterBinder() {
        return new WebSocketHubMetrics(this);
    }

    /** Test seam: the shared state, to look inside the registry. */
    HubCore core() {
        return core;
    }

    @Override
    public String toString() {
        return "WebSocketHub[" + state + ", port=" + (boundPort < 0 ? config.port() : boundPort) + "]";
    }

    /**
     * Builds a {@link WebSocketHub} from a {@link WebSocketHubConfig} and the parts that are not plain values: the
     * broker, the event loops and the extra HTTP routes. Each setter validates at once; {@link #build()} checks
     * what spans settings and reports every problem at once ({@link IllegalStateException}).
     *
     * <pre>{@code
     * WebSocketHub hub = WebSocketHub.builder(WebSocketHubConfig.custom().port(0).tokenSecret(secret).build())
     *     .threadFactory(threads.threadFactory("websocket"))
     *     .route("GET", "/health/live", request -> HttpReply.ok("text/plain", "UP"))
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private final WebSocketHubConfig config;
        private MessageBroker broker;
        private EventLoopGroup eventLoopGroup;
        private ThreadFactory threadFactory;
        private final Map<String, Map<String, HttpRoute>> routes = new LinkedHashMap<>();
        private Executor routeExecutor;

        private Builder(WebSocketHubConfig config) {
            this.config = config;
        }

        /**
         * The message broker. Default: a new {@link InProcessBroker}.
         *
         * @throws IllegalStateException if already set
         */
        public Builder broker(MessageBroker broker) {
            Objects.requireNonNull(broker, "broker");
            if (this.broker != null) {
                throw new IllegalStateException("broker was already set to " + this.broker);
            }
            this.broker = broker;
            return this;
        }

        /**
         * An event-loop group owned by the caller, used to accept and serve connections; the hub never shuts it
         * down. Conflicts with {@link #threadFactory} and {@link WebSocketHubConfig.Builder#eventLoopThreads}.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = Objects.requireNonNull(group, "eventLoopGroup");
            return this;
        }

        /**
         * The factory of the event-loop threads the hub creates (and stops in {@link WebSocketHub#close()}).
         * Default: daemon threads named {@value #DEFAULT_THREAD_NAME_PREFIX}-N-M.
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
            return this;
        }

        /**
         * Serves {@code route} for {@code method} (e.g. GET) on {@code path} (exact match, e.g. /health/ready).
         *
         * @throws IllegalArgumentException if the path does not start with '/' or is the publish path
         * @throws IllegalStateException    if a route for the same method and path was already added
         */
        public Builder route(String method, String path, HttpRoute route) {
            Objects.requireNonNull(route, "route");
            if (method == null || !method.matches("[A-Za-z]+")) {
                throw new IllegalArgumentException("method must be an HTTP method such as GET: '" + method + "'");
            }
            if (path == null || !path.startsWith("/") || path.contains("?") || path.contains("#")) {
                throw new IllegalArgumentException("route path must start with '/' and have no query: '" + path
                        + "'");
            }
            if (path.equals(PUBLISH_PATH)) {
                throw new IllegalArgumentException("route path " + path + " is reserved for the publish API");
            }
            String upper = method.toUpperCase(Locale.ROOT);
            Map<String, HttpRoute> byMethod = routes.computeIfAbsent(path, p -> new LinkedHashMap<>());
            if (byMethod.containsKey(upper)) {
                throw new IllegalStateException("a route for " + upper + " " + path + " was already added");
            }
            byMethod.put(upper, route);
            return this;
        }

        /**
         * Runs routes (and nothing else) on this executor, so they may block. Default: none, routes run on the
         * event loop and must not block. A rejected task is answered with 503.
         */
        public Builder routeExecutor(Executor executor) {
            this.routeExecutor = Objects.requireNonNull(executor, "routeExecutor");
            return this;
        }

        /**
         * Builds the hub (not yet listening: call {@link WebSocketHub#start()}).
         *
         * @throws IllegalStateException listing every missing or conflicting setting
         */
        public WebSocketHub build() {
            List<String> problems = new ArrayList<>();
            Optional<byte[]> secret = config.tokenSecret();
            if (secret.isEmpty()) {
                problems.add("tokenSecret is required (clients authenticate with HS256 tokens); "
                        + "use TokenIssuer.newSecret() for development");
            }
            if (eventLoopGroup != null && (threadFactory != null || config.eventLoopThreadsSet())) {
                problems.add("eventLoopGroup is caller-owned and conflicts with threadFactory/eventLoopThreads; "
                        + "set one or the other");
            }
            if (routes.containsKey(config.path())) {
                problems.add("route path " + config.path() + " is the WebSocket path; choose another path for the "
                        + "route");
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("Invalid WebSocketHub configuration:\n  - "
                        + String.join("\n  - ", problems));
            }
            Map<String, Map<String, HttpRoute>> frozenRoutes = new LinkedHashMap<>();
            routes.forEach((p, byMethod) -> frozenRoutes.put(p, Map.copyOf(byMethod)));
            return new WebSocketHub(new HubSettings(config, secret.get(),
                    broker != null ? broker : new InProcessBroker(), Optional.ofNullable(eventLoopGroup),
                    Optional.ofNullable(threadFactory), Map.copyOf(frozenRoutes), Optional.ofNullable(routeExecutor)));
        }
    }
}
