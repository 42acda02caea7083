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
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * try (WebSocketHub hub = WebSocketHub.builder()
 *         .port(8080)
 *         .tokenSecret(secret)
 *         .publishApiKey("change-me-0123456789")
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

    /** Default TCP port. */
    public static final int DEFAULT_PORT = 8080;
    /** Default bind address: every interface. */
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    /** Default WebSocket endpoint path. */
    public static final String DEFAULT_PATH = "/ws";
    /** Default largest WebSocket frame payload, in bytes (64 KiB); a larger frame closes the connection with 1009. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 64 * 1024;
    /** Default largest message (all fragments together), in bytes (64 KiB); a larger one closes with 1009. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
    /** Default time from TCP accept until a complete HTTP request / WebSocket upgrade (10 s). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default interval between heartbeat pings (25 s). */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(25);
    /** Default time without any frame from the client (pong included) before closing with 1001 (60 s). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Default time a server-initiated close frame may take to flush before the socket is dropped (5 s). */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Default cap on WebSocket connections for the whole hub; over it the upgrade gets 503. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Default cap on WebSocket connections from one client IP address; over it the upgrade gets 429. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100;
    /** Default bound on bytes queued for one connection (1 MiB); over it the connection is closed with 1008. */
    public static final int DEFAULT_MAX_OUTBOUND_BYTES = 1024 * 1024;
    /** Default cap on topics one connection may subscribe to. */
    public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;
    /** Default tolerance when checking a token's expiry (30 s). */
    public static final Duration DEFAULT_TOKEN_CLOCK_SKEW = Duration.ofSeconds(30);
    /** Default number of event-loop threads of a hub-created group: one per available processor. */
    public static final int DEFAULT_EVENT_LOOP_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
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

    private enum State { NEW, RUNNING, DRAINING, CLOSED }

    private final HubSettings settings;
    private final HubCore core;
    private final Object lifecycleLock = new Object();
    private volatile State state = State.NEW;
    private EventLoopGroup ownedGroup;
    private final List<Thread> ownedThreads = new ArrayList<>();
    private Channel serverChannel;
    private volatile int boundPort = -1;

    private WebSocketHub(HubSettings settings) {
        this.settings = settings;
        this.core = new HubCore(settings);
    }

    /** A builder with every setting at its {@code DEFAULT_*} value; {@link Builder#tokenSecret} is required. */
    public static Builder builder() {
        return new Builder();
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
                ownedGroup = new MultiThreadIoEventLoopGroup(settings.eventLoopThreads(), remembering,
                        NioIoHandler.newFactory());
                return ownedGroup;
            });
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(settings.maxOutboundBytes() / 2, settings.maxOutboundBytes()))
                    .childHandler(new HubChannelInitializer(core));
            InetSocketAddress address = new InetSocketAddress(settings.bindAddress(), settings.port());
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
            LOG.info("WebSocket hub listening on {}:{}{}", settings.bindAddress(), boundPort, settings.path());
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
     * connections keep working. Idempotent.
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
            core.closeAll(1001, settings.closeTimeout());
            shutDownOwnedGroup();
            state = State.CLOSED;
            LOG.info("WebSocket hub closed: {}", core.statistics());
        }
    }

    private void shutDownOwnedGroup() {
        if (ownedGroup != null) {
            long timeoutMillis = settings.closeTimeout().toMillis();
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
     * {@code POST /api/publish} does.
     *
     * @throws IllegalArgumentException if the topic is not a valid topic name or the payload is not JSON
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
        return "WebSocketHub[" + state + ", port=" + (boundPort < 0 ? settings.port() : boundPort) + "]";
    }

    /**
     * Configures a {@link WebSocketHub}. Each setter validates at once ({@link IllegalArgumentException} naming the
     * parameter and value); {@link #build()} checks the rules that span settings and reports every problem at once
     * ({@link IllegalStateException}).
     *
     * <pre>{@code
     * WebSocketHub hub = WebSocketHub.builder()
     *     .port(0)                                   // ephemeral, see hub.port()
     *     .tokenSecret(secret)
     *     .allowedOrigins(List.of("https://app.example.com"))
     *     .maxConnectionsPerAddress(20)
     *     .idleTimeout(Duration.ofSeconds(90))
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private String bindAddress = DEFAULT_BIND_ADDRESS;
        private int port = DEFAULT_PORT;
        private String path = DEFAULT_PATH;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration pingInterval = DEFAULT_PING_INTERVAL;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private int maxOutboundBytes = DEFAULT_MAX_OUTBOUND_BYTES;
        private int maxSubscriptionsPerConnection = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
        private byte[] tokenSecret;
        private Duration tokenClockSkew = DEFAULT_TOKEN_CLOCK_SKEW;
        private final Set<String> allowedOrigins = new LinkedHashSet<>();
        private String publishApiKey;
        private MessageBroker broker;
        private EventLoopGroup eventLoopGroup;
        private ThreadFactory threadFactory;
        private Integer eventLoopThreads;
        private final Map<String, Map<String, HttpRoute>> routes = new LinkedHashMap<>();
        private Executor routeExecutor;

        private Builder() {
        }

        /**
         * The TCP port; default {@value #DEFAULT_PORT}; 0 picks a free port (read it with {@link WebSocketHub#port()}).
         *
         * @throws IllegalArgumentException if not within 0–65535
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The address to bind, a host name or IP literal; default {@value #DEFAULT_BIND_ADDRESS} (every interface).
         *
         * @throws IllegalArgumentException if blank
         */
        public Builder bindAddress(String bindAddress) {
            if (bindAddress == null || bindAddress.isBlank()) {
                throw new IllegalArgumentException("bindAddress must not be blank: '" + bindAddress + "'");
            }
            this.bindAddress = bindAddress;
            return this;
        }

        /**
         * The WebSocket endpoint path; default {@value #DEFAULT_PATH}.
         *
         * @throws IllegalArgumentException if it does not start with '/' or is the publish API path
         */
        public Builder path(String path) {
            requirePath("path", path);
            if (path.equals(PUBLISH_PATH)) {
                throw new IllegalArgumentException("path must differ from the publish API path " + PUBLISH_PATH);
            }
            this.path = path;
            return this;
        }

        /**
         * Largest frame payload in bytes; default {@value #DEFAULT_MAX_FRAME_SIZE}; over it: close 1009.
         *
         * @throws IllegalArgumentException if not within 125 bytes – 16 MiB
         */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = requireSize("maxFrameSize", bytes);
            return this;
        }

        /**
         * Largest message (all its fragments) in bytes, also the largest HTTP request body; default
         * {@value #DEFAULT_MAX_MESSAGE_SIZE}; over it: close 1009 (HTTP: 413).
         *
         * @throws IllegalArgumentException if not within 125 bytes – 16 MiB
         */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = requireSize("maxMessageSize", bytes);
            return this;
        }

        /**
         * Time from TCP accept until a complete HTTP request (for a WebSocket: until the upgrade is answered); after
         * it the socket is closed ({@link CloseReason#HANDSHAKE_TIMEOUT}). Default 10 s.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = requirePositive("handshakeTimeout", timeout);
            return this;
        }

        /**
         * Interval between heartbeat pings to each client. Default 25 s. Must be shorter than the idle timeout.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = requirePositive("pingInterval", interval);
            return this;
        }

        /**
         * Time without any frame from a client (a pong answers each ping) before it is closed with 1001
         * ({@link CloseReason#HEARTBEAT_TIMEOUT}). Default 60 s; it cannot be disabled, so a half-open TCP
         * connection never stays forever.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = requirePositive("idleTimeout", timeout);
            return this;
        }

        /**
         * Time a server-initiated close frame may take to flush before the socket is dropped. Default 5 s; also
         * bounds how long {@link WebSocketHub#close()} waits for connections and event loops.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = requirePositive("closeTimeout", timeout);
            return this;
        }

        /**
         * Cap on WebSocket connections for the hub; an upgrade over it gets 503. Default
         * {@value #DEFAULT_MAX_CONNECTIONS}.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder maxConnections(int connections) {
            this.maxConnections = requirePositive("maxConnections", connections);
            return this;
        }

        /**
         * Cap on WebSocket connections from one client IP address; an upgrade over it gets 429. Default
         * {@value #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder maxConnectionsPerAddress(int connections) {
            this.maxConnectionsPerAddress = requirePositive("maxConnectionsPerAddress", connections);
            return this;
        }

        /**
         * Bound on bytes queued for one connection and not yet written to its socket; a connection over it is a
         * slow consumer and is closed with 1008 ({@link CloseReason#SLOW_CONSUMER}). Default 1 MiB.
         *
         * @throws IllegalArgumentException if not within 1 KiB – 1 GiB
         */
        public Builder maxOutboundBytes(int bytes) {
            if (bytes < 1024 || bytes > 1 << 30) {
                throw new IllegalArgumentException("maxOutboundBytes must be between 1024 and 1073741824: " + bytes);
            }
            this.maxOutboundBytes = bytes;
            return this;
        }

        /**
         * Cap on topics one connection may subscribe to; over it {@code subscribe} gets an {@code error} frame
         * ({@code subscription_limit}). Default {@value #DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION}.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder maxSubscriptionsPerConnection(int subscriptions) {
            this.maxSubscriptionsPerConnection = requirePositive("maxSubscriptionsPerConnection", subscriptions);
            return this;
        }

        /**
         * The HS256 secret verifying client tokens (see {@link TokenIssuer}). Required; copied.
         *
         * @throws IllegalArgumentException if shorter than {@value TokenIssuer#MIN_SECRET_BYTES} bytes
         */
        public Builder tokenSecret(byte[] secret) {
            TokenIssuer.requireSecret(secret);
            this.tokenSecret = secret.clone();
            return this;
        }

        /**
         * Tolerance when checking a token's expiry. Default 30 s.
         *
         * @throws IllegalArgumentException if negative or over 10 minutes
         */
        public Builder tokenClockSkew(Duration skew) {
            Objects.requireNonNull(skew, "tokenClockSkew");
            if (skew.isNegative() || skew.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("tokenClockSkew must be between PT0S and PT10M: " + skew);
            }
            this.tokenClockSkew = skew;
            return this;
        }

        /**
         * Origins (scheme://host[:port]) allowed to open a WebSocket besides the hub's own, added to those given
         * before; {@code "*"} allows any. Default: none, so a request whose {@code Origin} header names another site
         * than its {@code Host} header (a cross-site browser page) is refused with 403; same-origin pages and
         * clients sending no {@code Origin} (most non-browser clients) are not affected.
         *
         * @throws IllegalArgumentException if an origin is blank or ends with '/'
         */
        public Builder allowedOrigins(Collection<String> origins) {
            for (String origin : origins) {
                if (origin == null || origin.isBlank() || (origin.endsWith("/"))) {
                    throw new IllegalArgumentException("allowedOrigins entries must look like "
                            + "'https://host[:port]' (no trailing '/') or '*': '" + origin + "'");
                }
            }
            origins.forEach(origin -> allowedOrigins.add(origin.toLowerCase(Locale.ROOT)));
            return this;
        }

        /**
         * The key server-side producers send in the {@value #API_KEY_HEADER} header to {@code POST /api/publish}.
         * Default: none, and the publish API answers 403 (disabled).
         *
         * @throws IllegalArgumentException if shorter than 16 characters
         */
        public Builder publishApiKey(String apiKey) {
            if (apiKey == null || apiKey.length() < 16) {
                throw new IllegalArgumentException("publishApiKey must be at least 16 characters: "
                        + (apiKey == null ? "null" : apiKey.length() + " characters"));
            }
            this.publishApiKey = apiKey;
            return this;
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
         * down. Conflicts with {@link #threadFactory} and {@link #eventLoopThreads}.
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
         * Number of event-loop threads the hub creates. Default: one per available processor.
         *
         * @throws IllegalArgumentException if not within 1–1024
         */
        public Builder eventLoopThreads(int threads) {
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("eventLoopThreads must be between 1 and 1024: " + threads);
            }
            this.eventLoopThreads = threads;
            return this;
        }

        /**
         * Serves {@code route} for {@code method} (e.g. GET) on {@code path} (exact match, e.g. /health/ready).
         *
         * @throws IllegalArgumentException if the path does not start with '/' or is the WebSocket or publish path
         * @throws IllegalStateException    if a route for the same method and path was already added
         */
        public Builder route(String method, String path, HttpRoute route) {
            Objects.requireNonNull(route, "route");
            if (method == null || !method.matches("[A-Za-z]+")) {
                throw new IllegalArgumentException("method must be an HTTP method such as GET: '" + method + "'");
            }
            requirePath("route path", path);
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
            if (tokenSecret == null) {
                problems.add("tokenSecret is required (clients authenticate with HS256 tokens); "
                        + "use TokenIssuer.newSecret() for development");
            }
            if (pingInterval.compareTo(idleTimeout) >= 0) {
                problems.add("pingInterval (" + pingInterval + ") must be shorter than idleTimeout (" + idleTimeout
                        + "), or live clients would be closed before they are pinged");
            }
            if (maxFrameSize > maxMessageSize) {
                problems.add("maxFrameSize (" + maxFrameSize + ") must not exceed maxMessageSize ("
                        + maxMessageSize + ")");
            }
            if (maxConnectionsPerAddress > maxConnections) {
                problems.add("maxConnectionsPerAddress (" + maxConnectionsPerAddress
                        + ") must not exceed maxConnections (" + maxConnections + ")");
            }
            if (eventLoopGroup != null && (threadFactory != null || eventLoopThreads != null)) {
                problems.add("eventLoopGroup is caller-owned and conflicts with threadFactory/eventLoopThreads; "
                        + "set one or the other");
            }
            if (routes.containsKey(path)) {
                problems.add("route path " + path + " is the WebSocket path; choose another path for the route");
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("Invalid WebSocketHub configuration:\n  - "
                        + String.join("\n  - ", problems));
            }
            Map<String, Map<String, HttpRoute>> frozenRoutes = new LinkedHashMap<>();
            routes.forEach((p, byMethod) -> frozenRoutes.put(p, Map.copyOf(byMethod)));
            HubSettings settings = new HubSettings(bindAddress, port, path, maxFrameSize, maxMessageSize,
                    handshakeTimeout, pingInterval, idleTimeout, closeTimeout, maxConnections,
                    maxConnectionsPerAddress, maxOutboundBytes, maxSubscriptionsPerConnection, tokenSecret.clone(),
                    tokenClockSkew, Set.copyOf(allowedOrigins), Optional.ofNullable(publishApiKey),
                    broker != null ? broker : new InProcessBroker(), Optional.ofNullable(eventLoopGroup),
                    Optional.ofNullable(threadFactory),
                    eventLoopThreads != null ? eventLoopThreads : DEFAULT_EVENT_LOOP_THREADS,
                    Map.copyOf(frozenRoutes), Optional.ofNullable(routeExecutor));
            return new WebSocketHub(settings);
        }

        private static void requirePath(String name, String path) {
            if (path == null || !path.startsWith("/") || path.contains("?") || path.contains("#")) {
                throw new IllegalArgumentException(name + " must start with '/' and have no query: '" + path + "'");
            }
        }

        private static int requireSize(String name, int bytes) {
            if (bytes < 125 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException(name + " must be between 125 and 16777216 bytes: " + bytes);
            }
            return bytes;
        }

        private static int requirePositive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }

        private static Duration requirePositive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
