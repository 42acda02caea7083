package dev.steadfast.websocket.redis;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The immutable settings of a {@link RedisBroker}. Every default is a {@code DEFAULT_*} constant.
 *
 * <pre>{@code
 * RedisBrokerConfig config = RedisBrokerConfig.custom()
 *         .uri("redis://127.0.0.1:6379")
 *         .historySize(100)                        // 0 disables history and recovery
 *         .historyTtl(Duration.ofMinutes(5))
 *         .build();
 * }</pre>
 */
public final class RedisBrokerConfig {

    /** Publications kept per topic for recovery (at least; Redis trims approximately). 0 disables the history. */
    public static final int DEFAULT_HISTORY_SIZE = 100;
    /** How long a topic's history (and its epoch) outlives its last publication. */
    public static final Duration DEFAULT_HISTORY_TTL = Duration.ofMinutes(5);
    /** Publishes sent to Redis and not yet answered; one more is refused with {@code broker_overloaded}. */
    public static final int DEFAULT_MAX_IN_FLIGHT_PUBLISHES = 10_000;
    /** How long a Redis command may take before the publish (or history read) fails. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);
    /** How long connecting to Redis may take, at startup and on every reconnect attempt. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Prefix of every Redis key and channel the broker uses, so several services can share one Redis. */
    public static final String DEFAULT_KEY_PREFIX = "steadfast:";

    private final URI uri;
    private final Optional<String> password;
    private final int historySize;
    private final Duration historyTtl;
    private final int maxInFlightPublishes;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final String keyPrefix;

    private RedisBrokerConfig(Builder builder) {
        this.uri = builder.uri;
        this.password = builder.password;
        this.historySize = builder.historySize;
        this.historyTtl = builder.historyTtl;
        this.maxInFlightPublishes = builder.maxInFlightPublishes;
        this.commandTimeout = builder.commandTimeout;
        this.connectTimeout = builder.connectTimeout;
        this.keyPrefix = builder.keyPrefix;
    }

    /** A builder with every default; {@link Builder#uri} is required. */
    public static Builder custom() {
        return new Builder();
    }

    /** A builder starting from {@code config}'s settings. */
    public static Builder from(RedisBrokerConfig config) {
        Builder builder = new Builder();
        builder.uri = config.uri;
        builder.password = config.password;
        builder.historySize = config.historySize;
        builder.historyTtl = config.historyTtl;
        builder.maxInFlightPublishes = config.maxInFlightPublishes;
        builder.commandTimeout = config.commandTimeout;
        builder.connectTimeout = config.connectTimeout;
        builder.keyPrefix = config.keyPrefix;
        return builder;
    }

    /** {@code redis://host:port} or {@code rediss://host:port} (TLS); never carries the password. */
    public URI uri() {
        return uri;
    }

    /** {@code host:port} of the Redis server, for messages and logs (no credential). */
    public String address() {
        return uri.getHost() + ":" + uri.getPort();
    }

    /** The password (AUTH), if any; never logged. */
    Optional<String> password() {
        return password;
    }

    /** Publications kept per topic; 0 when the history is disabled. */
    public int historySize() {
        return historySize;
    }

    /** Lifetime of a topic's history after its last publication. */
    public Duration historyTtl() {
        return historyTtl;
    }

    /** Bound of the in-flight publish queue. */
    public int maxInFlightPublishes() {
        return maxInFlightPublishes;
    }

    /** Timeout of every Redis command. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Timeout of every connection attempt. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Prefix of the broker's keys and channels. */
    public String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public String toString() {
        return "RedisBrokerConfig[uri=" + uri + ", password=" + (password.isPresent() ? "(set)" : "(none)")
                + ", historySize=" + historySize + ", historyTtl=" + historyTtl + ", maxInFlightPublishes="
                + maxInFlightPublishes + ", commandTimeout=" + commandTimeout + ", connectTimeout=" + connectTimeout
                + ", keyPrefix=" + keyPrefix + "]";
    }

    /** Builds a {@link RedisBrokerConfig}; each setter validates at once. */
    public static final class Builder {
        private URI uri;
        private Optional<String> password = Optional.empty();
        private int historySize = DEFAULT_HISTORY_SIZE;
        private Duration historyTtl = DEFAULT_HISTORY_TTL;
        private int maxInFlightPublishes = DEFAULT_MAX_IN_FLIGHT_PUBLISHES;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private String keyPrefix = DEFAULT_KEY_PREFIX;

        private Builder() {
        }

        /**
         * The Redis server: {@code redis://host:port} or {@code rediss://host:port} (TLS). Required. A password in
         * the URI is refused: it would end up in logs and process listings; use {@link #password}.
         *
         * @throws IllegalArgumentException when it is not such a URI
         */
        public Builder uri(String uri) {
            Objects.requireNonNull(uri, "uri");
            URI parsed;
            try {
                parsed = new URI(uri);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("Redis URI is malformed (" + e.getReason()
                        + "); expected redis://host:port or rediss://host:port", e);
            }
            String scheme = parsed.getScheme();
            if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
                throw new IllegalArgumentException("Redis URI must start with redis:// or rediss://: " + scheme
                        + "://...");
            }
            if (parsed.getUserInfo() != null) {
                throw new IllegalArgumentException("Redis URI must not carry a password (it would be logged); pass it"
                        + " from a file or an environment variable instead");
            }
            if (parsed.getHost() == null || parsed.getPort() < 1) {
                throw new IllegalArgumentException("Redis URI must name a host and a port, e.g."
                        + " redis://127.0.0.1:6379: " + uri);
            }
            this.uri = parsed;
            return this;
        }

        /** The password sent with AUTH. Default: none. */
        public Builder password(String password) {
            Objects.requireNonNull(password, "password");
            if (password.isEmpty()) {
                throw new IllegalArgumentException("Redis password must not be empty");
            }
            this.password = Optional.of(password);
            return this;
        }

        /**
         * Publications kept per topic, {@code >= 0}; 0 disables history and recovery. Default
         * {@value #DEFAULT_HISTORY_SIZE}.
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder historySize(int historySize) {
            if (historySize < 0) {
                throw new IllegalArgumentException("historySize must not be negative: " + historySize);
            }
            this.historySize = historySize;
            return this;
        }

        /**
         * How long a topic's history lives after its last publication, whole seconds, at least 1 s. Default
         * {@link #DEFAULT_HISTORY_TTL}.
         *
         * @throws IllegalArgumentException when under a second
         */
        public Builder historyTtl(Duration historyTtl) {
            this.historyTtl = atLeast("historyTtl", historyTtl, Duration.ofSeconds(1));
            return this;
        }

        /**
         * In-flight publishes, {@code >= 1}. Default {@value #DEFAULT_MAX_IN_FLIGHT_PUBLISHES}.
         *
         * @throws IllegalArgumentException when below 1
         */
        public Builder maxInFlightPublishes(int maxInFlightPublishes) {
            if (maxInFlightPublishes < 1) {
                throw new IllegalArgumentException("maxInFlightPublishes must be at least 1: " + maxInFlightPublishes);
            }
            this.maxInFlightPublishes = maxInFlightPublishes;
            return this;
        }

        /**
         * Timeout of each Redis command, positive. Default {@link #DEFAULT_COMMAND_TIMEOUT}.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = atLeast("commandTimeout", commandTimeout, Duration.ofMillis(1));
            return this;
        }

        /**
         * Timeout of each connection attempt, positive. Default {@link #DEFAULT_CONNECT_TIMEOUT}.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = atLeast("connectTimeout", connectTimeout, Duration.ofMillis(1));
            return this;
        }

        /**
         * Prefix of keys and channels, non-empty. Default {@value #DEFAULT_KEY_PREFIX}.
         *
         * @throws IllegalArgumentException when empty
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.isEmpty()) {
                throw new IllegalArgumentException("keyPrefix must not be empty");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalStateException when no {@link #uri} was set
         */
        public RedisBrokerConfig build() {
            if (uri == null) {
                throw new IllegalStateException("uri is required, e.g. redis://127.0.0.1:6379");
            }
            return new RedisBrokerConfig(this);
        }

        private static Duration atLeast(String name, Duration value, Duration minimum) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(minimum) < 0) {
                throw new IllegalArgumentException(name + " must be at least " + minimum + ": " + value);
            }
            return value;
        }
    }
}
