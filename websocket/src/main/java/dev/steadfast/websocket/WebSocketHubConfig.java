package dev.steadfast.websocket;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The settings of a {@link WebSocketHub} that are plain values: address, limits, timeouts, credentials. Immutable;
 * made by a {@link Builder} ({@link #custom()}, {@link #from(WebSocketHubConfig)}) or {@link #ofDefaults()}. Each
 * default is a {@code DEFAULT_*} constant here and each rule (range, format, rules spanning settings) is checked
 * here only, so a program, the reference server and its command line all apply the same ones.
 *
 * <p>{@link Builder#build()} reports every problem at once; {@link Builder#problems()} returns them as data, each
 * naming its setting, so a command line can name the flag that set it.
 *
 * <pre>{@code
 * WebSocketHubConfig config = WebSocketHubConfig.custom()
 *     .port(0)                                   // any free port, see hub.port()
 *     .tokenSecret(TokenIssuer.newSecret())
 *     .allowedOrigins(List.of("https://app.example.com"))
 *     .idleTimeout(Duration.ofSeconds(90))
 *     .build();
 * WebSocketHub hub = WebSocketHub.builder(config).build();
 * }</pre>
 *
 * <p>The token secret and the publish API key may be left unset in a configuration (a server may generate
 * development ones later); {@link WebSocketHub.Builder#build()} requires the token secret.
 */
public final class WebSocketHubConfig {

    /** Default TCP port. */
    public static final int DEFAULT_PORT = 8080;
    /** Default bind address: every interface. */
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    /** Default WebSocket endpoint path. */
    public static final String DEFAULT_PATH = "/ws";
    /** Default largest WebSocket frame payload, in bytes; a larger frame closes the connection with 1009. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 64 * 1024;
    /** Default largest message (all fragments together), in bytes; a larger one closes with 1009 (HTTP: 413). */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
    /** Default time from TCP accept until a complete HTTP request / WebSocket upgrade. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default interval between heartbeat pings. */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(25);
    /** Default time without any frame from the client (pong included) before closing with 1001. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Default time a server-initiated close frame may take to flush before the socket is dropped. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Default cap on WebSocket connections for the whole hub; over it the upgrade gets 503. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Default cap on WebSocket connections from one client IP address; over it the upgrade gets 429. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100;
    /**
     * Default cap on TCP connections from one client IP address that have not yet sent a complete request (silent
     * sockets, slow handshakes); a connection over it is closed at once, before anything is read.
     */
    public static final int DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS = 64;
    /**
     * Default cap on TCP connections without a complete request yet for the whole hub, whatever their addresses;
     * over it the oldest of them is closed. Four times the accept backlog the hub asks the kernel for
     * ({@code SO_BACKLOG} 1024), so a reconnection storm the kernel queued fits with room to spare, while
     * a flood of silent sockets from many addresses holds at most this many (a few KB of heap and one file each).
     */
    public static final int DEFAULT_MAX_PENDING_HANDSHAKES = 4096;
    /** Default bound on bytes queued for one connection; over it the connection is closed with 1008. */
    public static final int DEFAULT_MAX_OUTBOUND_BYTES = 1024 * 1024;
    /** Default cap on topics one connection may subscribe to. */
    public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;
    /**
     * Default number of WebSocket ping frames answered per connection per
     * second; pings over it are coalesced into the next answer.
     */
    public static final int DEFAULT_MAX_PINGS_PER_SECOND = 10;
    /** Default tolerance when checking a token's expiry. */
    public static final Duration DEFAULT_TOKEN_CLOCK_SKEW = Duration.ofSeconds(30);
    /** Default number of event-loop threads of a hub-created group: one per available processor. */
    public static final int DEFAULT_EVENT_LOOP_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    /** Smallest accepted frame and message size, in bytes: the largest control-frame payload. */
    public static final int MIN_MESSAGE_SIZE = 125;
    /** Largest accepted frame and message size, in bytes (16 MiB). */
    public static final int MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
    /** Smallest accepted outbound bound, in bytes (1 KiB). */
    public static final int MIN_OUTBOUND_BYTES = 1024;
    /** Largest accepted outbound bound, in bytes (1 GiB). */
    public static final int MAX_OUTBOUND_BYTES = 1 << 30;
    /** Largest accepted token clock skew. */
    public static final Duration MAX_TOKEN_CLOCK_SKEW = Duration.ofMinutes(10);
    /** Most event-loop threads a hub may create. */
    public static final int MAX_EVENT_LOOP_THREADS = 256;
    /** Shortest accepted publish API key, in characters. */
    public static final int MIN_PUBLISH_API_KEY_LENGTH = 16;
    /** Value of {@link Builder#allowedOrigins} allowing every origin. */
    public static final String ANY_ORIGIN = "*";

    private final String bindAddress;
    private final int port;
    private final String path;
    private final int maxFrameSize;
    private final int maxMessageSize;
    private final Duration handshakeTimeout;
    private final Duration pingInterval;
    private final Duration idleTimeout;
    private final Duration closeTimeout;
    private final int maxConnections;
    private final int maxConnectionsPerAddress;
    private final int maxPendingHandshakesPerAddress;
    private final int maxPendingHandshakes;
    private final int maxOutboundBytes;
    private final int maxSubscriptionsPerConnection;
    private final int maxPingsPerSecond;
    private final byte[] tokenSecret;
    private final Duration tokenClockSkew;
    private final Set<String> allowedOrigins;
    private final Optional<String> publishApiKey;
    private final Integer eventLoopThreads;

    private WebSocketHubConfig(Builder b) {
        this.bindAddress = b.bindAddress;
        this.port = b.port;
        this.path = b.path;
        this.maxFrameSize = b.maxFrameSize;
        this.maxMessageSize = b.maxMessageSize;
        this.handshakeTimeout = b.handshakeTimeout;
        this.pingInterval = b.pingInterval;
        this.idleTimeout = b.idleTimeout;
        this.closeTimeout = b.closeTimeout;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        this.maxPendingHandshakesPerAddress = b.maxPendingHandshakesPerAddress;
        this.maxPendingHandshakes = b.maxPendingHandshakes;
        this.maxOutboundBytes = b.maxOutboundBytes;
        this.maxSubscriptionsPerConnection = b.maxSubscriptionsPerConnection;
        this.maxPingsPerSecond = b.maxPingsPerSecond;
        this.tokenSecret = b.tokenSecret == null ? null : b.tokenSecret.clone();
        this.tokenClockSkew = b.tokenClockSkew;
        this.allowedOrigins = Set.copyOf(b.allowedOrigins);
        this.publishApiKey = Optional.ofNullable(b.publishApiKey);
        this.eventLoopThreads = b.eventLoopThreads;
    }

    /** A builder with every setting at its {@code DEFAULT_*} value. */
    public static Builder custom() {
        return new Builder();
    }

    /** A builder starting from {@code existing}'s settings. */
    public static Builder from(WebSocketHubConfig existing) {
        return new Builder(Objects.requireNonNull(existing, "existing"));
    }

    /** Every setting at its {@code DEFAULT_*} value, without token secret or publish API key. */
    public static WebSocketHubConfig ofDefaults() {
        return custom().build();
    }

    /** The address to bind; see {@link Builder#bindAddress}. */
    public String bindAddress() {
        return bindAddress;
    }

    /** The TCP port, 0 for any free one; see {@link Builder#port}. */
    public int port() {
        return port;
    }

    /** The WebSocket endpoint path; see {@link Builder#path}. */
    public String path() {
        return path;
    }

    /** Largest frame payload in bytes; see {@link Builder#maxFrameSize}. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Largest message and HTTP request body in bytes; see {@link Builder#maxMessageSize}. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** See {@link Builder#handshakeTimeout}. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** See {@link Builder#pingInterval}. */
    public Duration pingInterval() {
        return pingInterval;
    }

    /** See {@link Builder#idleTimeout}. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** See {@link Builder#closeTimeout}. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** See {@link Builder#maxConnections}. */
    public int maxConnections() {
        return maxConnections;
    }

    /** See {@link Builder#maxConnectionsPerAddress}. */
    public int maxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    /** See {@link Builder#maxPendingHandshakesPerAddress}. */
    public int maxPendingHandshakesPerAddress() {
        return maxPendingHandshakesPerAddress;
    }

    /** See {@link Builder#maxPendingHandshakes}. */
    public int maxPendingHandshakes() {
        return maxPendingHandshakes;
    }

    /** See {@link Builder#maxOutboundBytes}. */
    public int maxOutboundBytes() {
        return maxOutboundBytes;
    }

    /** See {@link Builder#maxSubscriptionsPerConnection}. */
    public int maxSubscriptionsPerConnection() {
        return maxSubscriptionsPerConnection;
    }

    /** See {@link Builder#maxPingsPerSecond}. */
    public int maxPingsPerSecond() {
        return maxPingsPerSecond;
    }

    /** A copy of the HS256 secret verifying client tokens, if set; see {@link Builder#tokenSecret}. */
    public Optional<byte[]> tokenSecret() {
        return tokenSecret == null ? Optional.empty() : Optional.of(tokenSecret.clone());
    }

    /** See {@link Builder#tokenClockSkew}. */
    public Duration tokenClockSkew() {
        return tokenClockSkew;
    }

    /** Allowed origins besides the hub's own, lower case; {@value #ANY_ORIGIN} allows any. */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /** Whether {@link #allowedOrigins()} holds {@value #ANY_ORIGIN}. */
    public boolean anyOriginAllowed() {
        return allowedOrigins.contains(ANY_ORIGIN);
    }

    /** The publish API key, if set; see {@link Builder#publishApiKey}. */
    public Optional<String> publishApiKey() {
        return publishApiKey;
    }

    /** Event-loop threads a hub-created group has; see {@link Builder#eventLoopThreads}. */
    public int eventLoopThreads() {
        return eventLoopThreads == null ? DEFAULT_EVENT_LOOP_THREADS : eventLoopThreads;
    }

    /** Whether {@link Builder#eventLoopThreads} was set, rather than left at its default. */
    boolean eventLoopThreadsSet() {
        return eventLoopThreads != null;
    }

    /** Names every setting; the token secret and the publish API key only as {@code set} or {@code unset}. */
    @Override
    public String toString() {
        return "WebSocketHubConfig[bindAddress=" + bindAddress + ", port=" + port + ", path=" + path
                + ", maxFrameSize=" + maxFrameSize + ", maxMessageSize=" + maxMessageSize
                + ", handshakeTimeout=" + handshakeTimeout + ", pingInterval=" + pingInterval
                + ", idleTimeout=" + idleTimeout + ", closeTimeout=" + closeTimeout
                + ", maxConnections=" + maxConnections + ", maxConnectionsPerAddress=" + maxConnectionsPerAddress
                + ", maxPendingHandshakesPerAddress=" + maxPendingHandshakesPerAddress
                + ", maxPendingHandshakes=" + maxPendingHandshakes
                + ", maxOutboundBytes=" + maxOutboundBytes
                + ", maxSubscriptionsPerConnection=" + maxSubscriptionsPerConnection
                + ", maxPingsPerSecond=" + maxPingsPerSecond
                + ", tokenSecret=" + (tokenSecret == null ? "unset" : "set")
                + ", tokenClockSkew=" + tokenClockSkew + ", allowedOrigins=" + allowedOrigins
                + ", publishApiKey=" + (publishApiKey.isPresent() ? "set" : "unset")
                + ", eventLoopThreads=" + eventLoopThreads() + "]";
    }

    /**
     * One thing wrong with a configuration: the setting (the builder method's name) and a message naming the value
     * and what is expected, e.g. {@code port must be between 0 and 65535: 70000}. A rule spanning settings names
     * the one set last in the usual order of reading (e.g. {@code pingInterval} against {@code idleTimeout}).
     *
     * <pre>{@code
     * builder.problems().forEach(p -> System.err.println(flagFor(p.setting()) + ": " + p.message()));
     * }</pre>
     *
     * @param setting the setting, e.g. {@code port}
     * @param message what is wrong and what is expected
     */
    public record Problem(String setting, String message) {
        /** @throws NullPointerException if either is null */
        public Problem {
            Objects.requireNonNull(setting, "setting");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String toString() {
            return message;
        }
    }

    /**
     * Builds a {@link WebSocketHubConfig}. Setters only record values (a {@code null} is rejected at once with a
     * {@link NullPointerException}); {@link #build()} checks every value and every rule spanning settings and reports
     * them all together.
     *
     * <pre>{@code
     * WebSocketHubConfig config = WebSocketHubConfig.from(existing).maxConnections(50_000).build();
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
        private int maxPendingHandshakesPerAddress = DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS;
        private int maxPendingHandshakes = DEFAULT_MAX_PENDING_HANDSHAKES;
        private int maxOutboundBytes = DEFAULT_MAX_OUTBOUND_BYTES;
        private int maxSubscriptionsPerConnection = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
        private int maxPingsPerSecond = DEFAULT_MAX_PINGS_PER_SECOND;
        private byte[] tokenSecret;
        private Duration tokenClockSkew = DEFAULT_TOKEN_CLOCK_SKEW;
        private final Set<String> allowedOrigins = new LinkedHashSet<>();
        private String publishApiKey;
        private Integer eventLoopThreads;

        private Builder() {
        }

        private Builder(WebSocketHubConfig c) {
            bindAddress = c.bindAddress;
            port = c.port;
            path = c.path;
            maxFrameSize = c.maxFrameSize;
            maxMessageSize = c.maxMessageSize;
            handshakeTimeout = c.handshakeTimeout;
            pingInterval = c.pingInterval;
            idleTimeout = c.idleTimeout;
            closeTimeout = c.closeTimeout;
            maxConnections = c.maxConnections;
            maxConnectionsPerAddress = c.maxConnectionsPerAddress;
            maxPendingHandshakesPerAddress = c.maxPendingHandshakesPerAddress;
            maxPendingHandshakes = c.maxPendingHandshakes;
            maxOutboundBytes = c.maxOutboundBytes;
            maxSubscriptionsPerConnection = c.maxSubscriptionsPerConnection;
            maxPingsPerSecond = c.maxPingsPerSecond;
            tokenSecret = c.tokenSecret == null ? null : c.tokenSecret.clone();
            tokenClockSkew = c.tokenClockSkew;
            allowedOrigins.addAll(c.allowedOrigins);
            publishApiKey = c.publishApiKey.orElse(null);
            eventLoopThreads = c.eventLoopThreads;
        }

        /**
         * The TCP port; default {@link #DEFAULT_PORT}; 0 picks a free port (read it with {@link WebSocketHub#port()}).
         * Checked in {@link #build()}: 0–65535.
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * The address to bind, a host name or IP literal (surrounding whitespace is removed); default
         * {@link #DEFAULT_BIND_ADDRESS}. Checked in {@link #build()}: not blank.
         */
        public Builder bindAddress(String bindAddress) {
            this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress").strip();
            return this;
        }

        /**
         * The WebSocket endpoint path; default {@link #DEFAULT_PATH}. Checked in {@link #build()}: starts with '/',
         * no query, not {@link WebSocketHub#PUBLISH_PATH}.
         */
        public Builder path(String path) {
            this.path = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * Largest frame payload in bytes; default {@link #DEFAULT_MAX_FRAME_SIZE}; over it: close 1009. Checked in
         * {@link #build()}: {@link #MIN_MESSAGE_SIZE}–{@link #MAX_MESSAGE_SIZE}, at most {@link #maxMessageSize}.
         */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = bytes;
            return this;
        }

        /**
         * Largest message (all its fragments) in bytes, also the largest HTTP request body; default
         * {@link #DEFAULT_MAX_MESSAGE_SIZE}; over it: close 1009 (HTTP: 413). Checked in {@link #build()}:
         * {@link #MIN_MESSAGE_SIZE}–{@link #MAX_MESSAGE_SIZE}.
         */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * Time from TCP accept until a complete HTTP request (for a WebSocket: until the upgrade is answered); after
         * it the socket is closed ({@link CloseReason#HANDSHAKE_TIMEOUT}). Default {@link #DEFAULT_HANDSHAKE_TIMEOUT};
         * checked in {@link #build()}: positive.
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout, "handshakeTimeout");
            return this;
        }

        /**
         * Interval between heartbeat pings to each client. Default {@link #DEFAULT_PING_INTERVAL}; checked in
         * {@link #build()}: positive and shorter than {@link #idleTimeout}.
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = Objects.requireNonNull(interval, "pingInterval");
            return this;
        }

        /**
         * Time without any frame from a client (a pong answers each ping) before it is closed with 1001
         * ({@link CloseReason#HEARTBEAT_TIMEOUT}). Default {@link #DEFAULT_IDLE_TIMEOUT}; it cannot be disabled, so a
         * half-open TCP connection never stays forever. Checked in {@link #build()}: positive.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout, "idleTimeout");
            return this;
        }

        /**
         * Time a server-initiated close frame may take to flush before the socket is dropped; also bounds how long
         * {@link WebSocketHub#close()} waits for connections and event loops. Default
         * {@link #DEFAULT_CLOSE_TIMEOUT}; checked in {@link #build()}: positive.
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout");
            return this;
        }

        /**
         * Cap on WebSocket connections for the hub; an upgrade over it gets 503. Default
         * {@link #DEFAULT_MAX_CONNECTIONS}; checked in {@link #build()}: positive.
         */
        public Builder maxConnections(int connections) {
            this.maxConnections = connections;
            return this;
        }

        /**
         * Cap on WebSocket connections from one client IP address; an upgrade over it gets 429. Default
         * {@link #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}; checked in {@link #build()}: positive, at most
         * {@link #maxConnections}.
         */
        public Builder maxConnectionsPerAddress(int connections) {
            this.maxConnectionsPerAddress = connections;
            return this;
        }

        /**
         * Cap on TCP connections from one client IP address that have not finished their request or handshake; a
         * connection over it is closed at once ({@link CloseReason#CONNECTION_LIMIT}). Default
         * {@link #DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS}; checked in {@link #build()}: positive, at most
         * {@link #maxPendingHandshakes}.
         */
        public Builder maxPendingHandshakesPerAddress(int connections) {
            this.maxPendingHandshakesPerAddress = connections;
            return this;
        }

        /**
         * Cap on TCP connections that have not finished their request or handshake, for the whole hub and whatever
         * their addresses (the per-address cap alone lets many addresses hold sockets until the file-descriptor
         * limit). When a new connection would exceed it, the <em>oldest</em> pending connection is closed
         * ({@link CloseReason#CONNECTION_LIMIT}, counted in {@code steadfast.websocket.client.events} under
         * {@code kind=pending_handshake_hub_limit}, logged at most once a minute): a slow or silent socket is by
         * nature the oldest, while a client that sends its request promptly is done long before it would be, so a
         * flood of silent sockets from many addresses cannot lock new clients out, as refusing the newest would.
         * Default {@link #DEFAULT_MAX_PENDING_HANDSHAKES}; checked in {@link #build()}: positive.
         */
        public Builder maxPendingHandshakes(int connections) {
            this.maxPendingHandshakes = connections;
            return this;
        }

        /**
         * Bound on bytes queued for one connection and not yet written to its socket — messages, replies, pongs
         * and close frames alike; a connection over it is a slow consumer and is closed with 1008
         * ({@link CloseReason#SLOW_CONSUMER}). Default {@link #DEFAULT_MAX_OUTBOUND_BYTES}; checked in
         * {@link #build()}: {@link #MIN_OUTBOUND_BYTES}–{@link #MAX_OUTBOUND_BYTES}.
         */
        public Builder maxOutboundBytes(int bytes) {
            this.maxOutboundBytes = bytes;
            return this;
        }

        /**
         * Cap on topics one connection may subscribe to; over it {@code subscribe} gets an {@code error} frame
         * ({@code subscription_limit}). Default {@link #DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION}; checked in
         * {@link #build()}: positive.
         */
        public Builder maxSubscriptionsPerConnection(int subscriptions) {
            this.maxSubscriptionsPerConnection = subscriptions;
            return this;
        }

        /**
         * Ping frames answered per connection per second; the ones over it are
         * coalesced: the next answer, sent when the second is over, stands for them all. Default
         * {@link #DEFAULT_MAX_PINGS_PER_SECOND}; checked in {@link #build()}: positive.
         */
        public Builder maxPingsPerSecond(int pings) {
            this.maxPingsPerSecond = pings;
            return this;
        }

        /**
         * The HS256 secret verifying client tokens (see {@link TokenIssuer}); copied. Default: none, and
         * {@link WebSocketHub.Builder#build()} refuses to build a hub without one. Checked in {@link #build()}: at
         * least {@link TokenIssuer#MIN_SECRET_BYTES} bytes.
         */
        public Builder tokenSecret(byte[] secret) {
            this.tokenSecret = Objects.requireNonNull(secret, "tokenSecret").clone();
            return this;
        }

        /** The HS256 secret as text, used as its UTF-8 bytes; see {@link #tokenSecret(byte[])}. */
        public Builder tokenSecret(String secret) {
            return tokenSecret(Objects.requireNonNull(secret, "tokenSecret").getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Tolerance when checking a token's expiry. Default {@link #DEFAULT_TOKEN_CLOCK_SKEW}; checked in
         * {@link #build()}: zero to {@link #MAX_TOKEN_CLOCK_SKEW}.
         */
        public Builder tokenClockSkew(Duration skew) {
            this.tokenClockSkew = Objects.requireNonNull(skew, "tokenClockSkew");
            return this;
        }

        /**
         * Origins ({@code scheme://host[:port]}) allowed to open a WebSocket besides the hub's own, added to those
         * given before; {@value #ANY_ORIGIN} allows any. Default: none, so a request whose {@code Origin} header names
         * another site than its {@code Host} header (a cross-site browser page) is refused with 403; same-origin
         * pages and clients sending no {@code Origin} (most non-browser clients) are not affected. Checked in
         * {@link #build()}: not blank, no trailing '/', no path.
         */
        public Builder allowedOrigins(Collection<String> origins) {
            for (String origin : Objects.requireNonNull(origins, "allowedOrigins")) {
                allowedOrigins.add(origin == null ? "" : origin.strip().toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * The key server-side producers send in the {@value WebSocketHub#API_KEY_HEADER} header to
         * {@code POST /api/publish}. Default: none, and the publish API answers 403 (disabled). Checked in
         * {@link #build()}: at least {@link #MIN_PUBLISH_API_KEY_LENGTH} characters, no whitespace.
         */
        public Builder publishApiKey(String apiKey) {
            this.publishApiKey = Objects.requireNonNull(apiKey, "publishApiKey");
            return this;
        }

        /**
         * Number of event-loop threads the hub creates. Default {@link #DEFAULT_EVENT_LOOP_THREADS}; conflicts with a
         * caller-owned {@link WebSocketHub.Builder#eventLoopGroup}. Checked in {@link #build()}: 1 to
         * {@link #MAX_EVENT_LOOP_THREADS}.
         */
        public Builder eventLoopThreads(int threads) {
            this.eventLoopThreads = threads;
            return this;
        }

        /**
         * Every problem with the settings so far, in the order of the setters above; empty when {@link #build()}
         * would succeed.
         */
        public List<Problem> problems() {
            List<Problem> problems = new ArrayList<>();
            Checks checks = new Checks(problems);
            checks.range("port", port, 0, 65_535, "");
            if (bindAddress.isBlank()) {
                problems.add(new Problem("bindAddress", "bindAddress must not be blank: '" + bindAddress + "'"));
            }
            if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
                problems.add(new Problem("path", "path must start with '/' and have no query: '" + path + "'"));
            } else if (path.equals(WebSocketHub.PUBLISH_PATH)) {
                problems.add(new Problem("path", "path must differ from the publish API path " + path));
            }
            boolean frameValid = checks.range("maxFrameSize", maxFrameSize, MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE,
                    " bytes");
            boolean messageValid = checks.range("maxMessageSize", maxMessageSize, MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE,
                    " bytes");
            if (frameValid && messageValid && maxFrameSize > maxMessageSize) {
                problems.add(new Problem("maxFrameSize", "maxFrameSize (" + maxFrameSize
                        + ") must not exceed maxMessageSize (" + maxMessageSize + ")"));
            }
            checks.positive("handshakeTimeout", handshakeTimeout);
            boolean pingValid = checks.positive("pingInterval", pingInterval);
            boolean idleValid = checks.positive("idleTimeout", idleTimeout);
            if (pingValid && idleValid && pingInterval.compareTo(idleTimeout) >= 0) {
                problems.add(new Problem("pingInterval", "pingInterval (" + pingInterval
                        + ") must be shorter than idleTimeout (" + idleTimeout
                        + "), or live clients would be closed before they are pinged"));
            }
            checks.positive("closeTimeout", closeTimeout);
            boolean totalValid = checks.positive("maxConnections", maxConnections);
            boolean perAddressValid = checks.positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
            if (totalValid && perAddressValid && maxConnectionsPerAddress > maxConnections) {
                problems.add(new Problem("maxConnectionsPerAddress", "maxConnectionsPerAddress ("
                        + maxConnectionsPerAddress + ") must not exceed maxConnections (" + maxConnections + ")"));
            }
            boolean pendingPerAddressValid = checks.positive("maxPendingHandshakesPerAddress",
                    maxPendingHandshakesPerAddress);
            boolean pendingValid = checks.positive("maxPendingHandshakes", maxPendingHandshakes);
            if (pendingPerAddressValid && pendingValid && maxPendingHandshakesPerAddress > maxPendingHandshakes) {
                problems.add(new Problem("maxPendingHandshakesPerAddress", "maxPendingHandshakesPerAddress ("
                        + maxPendingHandshakesPerAddress + ") must not exceed maxPendingHandshakes ("
                        + maxPendingHandshakes + ")"));
            }
            checks.range("maxOutboundBytes", maxOutboundBytes, MIN_OUTBOUND_BYTES, MAX_OUTBOUND_BYTES, " bytes");
            checks.positive("maxSubscriptionsPerConnection", maxSubscriptionsPerConnection);
            checks.positive("maxPingsPerSecond", maxPingsPerSecond);
            if (tokenSecret != null && tokenSecret.length < TokenIssuer.MIN_SECRET_BYTES) {
                // The length only: a secret is never part of a message.
                problems.add(new Problem("tokenSecret", "tokenSecret must be at least " + TokenIssuer.MIN_SECRET_BYTES
                        + " bytes (HS256 needs a 256-bit key): it has " + tokenSecret.length
                        + "; generate one with TokenIssuer.newSecret() or `openssl rand -base64 48`"));
            }
            if (tokenClockSkew.isNegative() || tokenClockSkew.compareTo(MAX_TOKEN_CLOCK_SKEW) > 0) {
                problems.add(new Problem("tokenClockSkew", "tokenClockSkew must be between PT0S and "
                        + MAX_TOKEN_CLOCK_SKEW + ": " + tokenClockSkew));
            }
            for (String origin : allowedOrigins) {
                if (!origin.equals(ANY_ORIGIN) && !origin.matches("[a-z][a-z0-9+.-]*://[^/?#\\s]+")) {
                    problems.add(new Problem("allowedOrigins", "allowedOrigins entries must look like "
                            + "'https://host[:port]' (no path, no trailing '/') or '" + ANY_ORIGIN + "': '" + origin
                            + "'"));
                }
            }
            if (publishApiKey != null && (publishApiKey.length() < MIN_PUBLISH_API_KEY_LENGTH
                    || publishApiKey.chars().anyMatch(Character::isWhitespace))) {
                // The length only: a key is never part of a message.
                problems.add(new Problem("publishApiKey", "publishApiKey must be at least "
                        + MIN_PUBLISH_API_KEY_LENGTH + " characters without whitespace: it has "
                        + publishApiKey.length() + " characters"
                        + (publishApiKey.chars().anyMatch(Character::isWhitespace) ? " including whitespace" : "")
                        + "; generate one with `openssl rand -hex 24`"));
            }
            if (eventLoopThreads != null) {
                checks.range("eventLoopThreads", eventLoopThreads, 1, MAX_EVENT_LOOP_THREADS, "");
            }
            return problems;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException listing every problem of {@link #problems()}, one a line
         */
        public WebSocketHubConfig build() {
            List<Problem> problems = problems();
            if (!problems.isEmpty()) {
                StringBuilder message = new StringBuilder("Invalid WebSocketHub configuration:");
                problems.forEach(p -> message.append("\n  - ").append(p.message()));
                throw new IllegalArgumentException(message.toString());
            }
            return new WebSocketHubConfig(this);
        }
    }

    /** The two shapes of single-value check, each adding a {@link Problem} and saying whether the value is valid. */
    private record Checks(List<Problem> problems) {
        boolean range(String setting, int value, int min, int max, String unit) {
            if (value < min || value > max) {
                problems.add(new Problem(setting, setting + " must be between " + min + " and " + max + unit + ": "
                        + value));
                return false;
            }
            return true;
        }

        boolean positive(String setting, int value) {
            if (value <= 0) {
                problems.add(new Problem(setting, setting + " must be positive: " + value));
                return false;
            }
            return true;
        }

        boolean positive(String setting, Duration value) {
            if (value.isNegative() || value.isZero()) {
                problems.add(new Problem(setting, setting + " must be positive: " + value));
                return false;
            }
            return true;
        }
    }
}
