package dev.steadfast.server;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.leak.LeakMonitor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The validated, immutable configuration of a {@link SteadfastServer}. Limits left unset keep the
 * {@code WebSocketHub} defaults (documented there), so every default is written once.
 *
 * <p>Usually built by {@link Main} from flags and environment variables; in code (tests, embedding):
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder()
 *     .port(0)                                   // any free port
 *     .limits(ServerConfig.Limits.HUB_DEFAULTS.withMaxConnections(50_000).withIdleTimeout(Duration.ofSeconds(90)))
 *     .bindAddress("127.0.0.1")
 *     .tokenSecret("a-secret-of-at-least-32-bytes-.......")
 *     .publishApiKey("publisher-key")
 *     .drainTimeout(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 *
 * <p>Without a token secret or publish API key the server generates development credentials at start and prints
 * them, marked DEVELOPMENT ONLY; {@link #developmentCredentialsAllowed()} says whether that is allowed (it is not
 * in the production and staging environments, where their absence is a configuration error).
 */
public final class ServerConfig {
  /** The port when none is given. */
  public static final int DEFAULT_PORT = 8080;
  /** The bind address when none is given: every interface. */
  public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
  /** How long shutdown waits for clients to receive their queued messages and the 1001 close. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
  /** How long the whole startup may take. */
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
  /** Window over which the service's own leak monitor fits its trends ({@code LeakMonitor}'s default). */
  public static final Duration DEFAULT_LEAK_WINDOW = LeakMonitor.DEFAULT_WINDOW;
  /** Smallest token secret: HS256 needs a 256-bit key. */
  public static final int MIN_TOKEN_SECRET_BYTES = 32;

  private final int port;
  private final String bindAddress;
  private final Optional<String> tokenSecret;
  private final Optional<String> publishApiKey;
  private final boolean developmentCredentialsAllowed;
  private final Set<String> allowedOrigins;
  private final Limits limits;
  private final Duration drainTimeout;
  private final Duration startupTimeout;
  private final OptionalInt ioThreads;
  private final Duration leakWindow;

  private ServerConfig(Builder b) {
    this.port = b.port;
    this.bindAddress = b.bindAddress;
    this.tokenSecret = b.tokenSecret;
    this.publishApiKey = b.publishApiKey;
    this.developmentCredentialsAllowed = b.developmentCredentialsAllowed;
    this.allowedOrigins = Set.copyOf(b.allowedOrigins);
    this.limits = b.limits;
    this.drainTimeout = b.drainTimeout;
    this.startupTimeout = b.startupTimeout;
    this.ioThreads = b.ioThreads;
    this.leakWindow = b.leakWindow;
  }

  /** @return the window of the service's own leak monitor (the {@code leak-monitor} step) */
  public Duration leakWindow() {
    return leakWindow;
  }

  /**
   * Starts a configuration with every default.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the port to listen on; 0 picks a free one */
  public int port() {
    return port;
  }

  /** @return the address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1} */
  public String bindAddress() {
    return bindAddress;
  }

  /** @return the HS256 secret client tokens are verified with; empty to generate a development secret */
  public Optional<String> tokenSecret() {
    return tokenSecret;
  }

  /** @return the credential {@code POST /api/publish} requires; empty to generate a development key */
  public Optional<String> publishApiKey() {
    return publishApiKey;
  }

  /** @return whether missing credentials may be replaced by generated development ones */
  public boolean developmentCredentialsAllowed() {
    return developmentCredentialsAllowed;
  }

  /** @return origins allowed to open WebSockets ({@code *} for any); empty keeps the hub's default */
  public Set<String> allowedOrigins() {
    return allowedOrigins;
  }

  /** @return the connection and message limits; unset ones keep the hub's defaults */
  public Limits limits() {
    return limits;
  }

  /** @return how long shutdown waits for clients to drain */
  public Duration drainTimeout() {
    return drainTimeout;
  }

  /** @return how long the whole startup may take */
  public Duration startupTimeout() {
    return startupTimeout;
  }

  /** @return event-loop threads for WebSocket I/O; empty keeps the hub's default */
  public OptionalInt ioThreads() {
    return ioThreads;
  }

  @Override
  public String toString() {
    // Never print the secret or the key, only whether they are set.
    return "ServerConfig[port=" + port + ", bindAddress=" + bindAddress
        + ", tokenSecret=" + (tokenSecret.isPresent() ? "set" : "development") + ", publishApiKey="
        + (publishApiKey.isPresent() ? "set" : "development") + ", allowedOrigins=" + allowedOrigins
        + ", " + limits + ", drainTimeout=" + drainTimeout + ", startupTimeout=" + startupTimeout
        + ", ioThreads=" + (ioThreads.isPresent() ? ioThreads.getAsInt() : "default")
        + ", leakWindow=" + leakWindow + "]";
  }

  /**
   * Connection and message limits handed to the WebSocket hub; each empty value keeps the hub's default.
   *
   * <pre>{@code
   * ServerConfig.Limits limits = ServerConfig.Limits.HUB_DEFAULTS
   *     .withMaxConnections(50_000)
   *     .withIdleTimeout(Duration.ofSeconds(90));   // logged as limits[maxConnections=50000, idleTimeout=PT1M30S]
   * }</pre>
   *
   * @param maxConnections global cap on open connections
   * @param maxConnectionsPerAddress cap per client IP address
   * @param maxMessageBytes largest frame and message accepted, in bytes
   * @param maxOutboundBytes per-connection outbound bound before a slow consumer is closed with 1008
   * @param maxSubscriptionsPerConnection topics one connection may subscribe to
   * @param handshakeTimeout how long an upgrade may take
   * @param pingInterval how often the server pings each client
   * @param idleTimeout how long without any frame (pong included) before a client is closed
   */
  public record Limits(OptionalInt maxConnections, OptionalInt maxConnectionsPerAddress,
      OptionalInt maxMessageBytes, OptionalInt maxOutboundBytes, OptionalInt maxSubscriptionsPerConnection,
      Optional<Duration> handshakeTimeout, Optional<Duration> pingInterval, Optional<Duration> idleTimeout) {
    /** Every limit at the hub's default. */
    public static final Limits HUB_DEFAULTS = new Limits(OptionalInt.empty(), OptionalInt.empty(),
        OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(),
        Optional.empty());

    /** Validates: counts and sizes positive, durations positive. */
    public Limits {
      requireAtLeastOne("maxConnections", maxConnections);
      requireAtLeastOne("maxConnectionsPerAddress", maxConnectionsPerAddress);
      requireAtLeastOne("maxMessageBytes", maxMessageBytes);
      requireAtLeastOne("maxOutboundBytes", maxOutboundBytes);
      requireAtLeastOne("maxSubscriptionsPerConnection", maxSubscriptionsPerConnection);
      handshakeTimeout.ifPresent(d -> ServerConfig.requirePositive("handshakeTimeout", d));
      pingInterval.ifPresent(d -> ServerConfig.requirePositive("pingInterval", d));
      idleTimeout.ifPresent(d -> ServerConfig.requirePositive("idleTimeout", d));
    }

    /**
     * Returns a copy with maxConnections set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withMaxConnections(int value) {
      return new Limits(OptionalInt.of(value), maxConnectionsPerAddress, maxMessageBytes, maxOutboundBytes, maxSubscriptionsPerConnection, handshakeTimeout, pingInterval, idleTimeout);
    }

    /**
     * Returns a copy with maxConnectionsPerAddress set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withMaxConnectionsPerAddress(int value) {
      return new Limits(maxConnections, OptionalInt.of(value), maxMessageBytes, maxOutboundBytes, maxSubscriptionsPerConnection, handshakeTimeout, pingInterval, idleTimeout);
    }

    /**
     * Returns a copy with maxMessageBytes set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withMaxMessageBytes(int value) {
      return new Limits(maxConnections, maxConnectionsPerAddress, OptionalInt.of(value), maxOutboundBytes, maxSubscriptionsPerConnection, handshakeTimeout, pingInterval, idleTimeout);
    }

    /**
     * Returns a copy with maxOutboundBytes set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withMaxOutboundBytes(int value) {
      return new Limits(maxConnections, maxConnectionsPerAddress, maxMessageBytes, OptionalInt.of(value), maxSubscriptionsPerConnection, handshakeTimeout, pingInterval, idleTimeout);
    }

    /**
     * Returns a copy with maxSubscriptionsPerConnection set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withMaxSubscriptionsPerConnection(int value) {
      return new Limits(maxConnections, maxConnectionsPerAddress, maxMessageBytes, maxOutboundBytes, OptionalInt.of(value), handshakeTimeout, pingInterval, idleTimeout);
    }

    /**
     * Returns a copy with handshakeTimeout set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withHandshakeTimeout(Duration value) {
      return new Limits(maxConnections, maxConnectionsPerAddress, maxMessageBytes, maxOutboundBytes, maxSubscriptionsPerConnection, Optional.of(value), pingInterval, idleTimeout);
    }

    /**
     * Returns a copy with pingInterval set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withPingInterval(Duration value) {
      return new Limits(maxConnections, maxConnectionsPerAddress, maxMessageBytes, maxOutboundBytes, maxSubscriptionsPerConnection, handshakeTimeout, Optional.of(value), idleTimeout);
    }

    /**
     * Returns a copy with idleTimeout set.
     *
     * @param value the new value
     * @return the copy
     * @throws IllegalArgumentException when the value is out of range
     */
    public Limits withIdleTimeout(Duration value) {
      return new Limits(maxConnections, maxConnectionsPerAddress, maxMessageBytes, maxOutboundBytes, maxSubscriptionsPerConnection, handshakeTimeout, pingInterval, Optional.of(value));
    }

    /**
     * Names only the limits that were set, so the configuration logged at startup reads
     * {@code limits[maxConnections=50000, idleTimeout=PT1M30S]} or {@code limits[hub defaults]} rather than a row
     * of {@code OptionalInt.empty}.
     *
     * @return the set limits
     */
    @Override
    public String toString() {
      List<String> set = new ArrayList<>();
      maxConnections.ifPresent(v -> set.add("maxConnections=" + v));
      maxConnectionsPerAddress.ifPresent(v -> set.add("maxConnectionsPerAddress=" + v));
      maxMessageBytes.ifPresent(v -> set.add("maxMessageBytes=" + v));
      maxOutboundBytes.ifPresent(v -> set.add("maxOutboundBytes=" + v));
      maxSubscriptionsPerConnection.ifPresent(v -> set.add("maxSubscriptionsPerConnection=" + v));
      handshakeTimeout.ifPresent(v -> set.add("handshakeTimeout=" + v));
      pingInterval.ifPresent(v -> set.add("pingInterval=" + v));
      idleTimeout.ifPresent(v -> set.add("idleTimeout=" + v));
      return "limits[" + (set.isEmpty() ? "hub defaults" : String.join(", ", set)) + "]";
    }

    private static void requireAtLeastOne(String name, OptionalInt value) {
      if (value.isPresent() && value.getAsInt() < 1) {
        throw new IllegalArgumentException(name + " must be at least 1: " + value.getAsInt());
      }
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  /**
   * Builds a {@link ServerConfig}; each setter validates at once and names the parameter and value it rejects.
   *
   * <pre>{@code
   * ServerConfig.builder().port(9090).drainTimeout(Duration.ofSeconds(3)).build();
   * }</pre>
   */
  public static final class Builder {
    private int port = DEFAULT_PORT;
    private String bindAddress = DEFAULT_BIND_ADDRESS;
    private Optional<String> tokenSecret = Optional.empty();
    private Optional<String> publishApiKey = Optional.empty();
    private boolean developmentCredentialsAllowed = true;
    private List<String> allowedOrigins = new ArrayList<>();
    private Limits limits = Limits.HUB_DEFAULTS;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
    private OptionalInt ioThreads = OptionalInt.empty();
    private Duration leakWindow = DEFAULT_LEAK_WINDOW;

    private Builder() {}

    /**
     * Sets the window over which the service's leak monitor fits its trends; default 1 h. A verdict needs a third
     * of the window (4 of its 12 slots) of data, so a short window answers sooner and sees shorter trends.
     *
     * @param window at least {@code LeakMonitor.MIN_WINDOW} (1 min)
     * @return this builder
     * @throws IllegalArgumentException when shorter
     */
    public Builder leakWindow(Duration window) {
      if (window.compareTo(LeakMonitor.MIN_WINDOW) < 0) {
        throw new IllegalArgumentException("leakWindow must be at least " + Durations.format(LeakMonitor.MIN_WINDOW)
            + ": " + Durations.format(window));
      }
      this.leakWindow = window;
      return this;
    }

    /**
     * Sets the port; default {@value #DEFAULT_PORT}.
     *
     * @param port 0 (any free port) to 65535
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the bind address; default {@value #DEFAULT_BIND_ADDRESS}.
     *
     * @param bindAddress an IP address or host name, not blank
     * @return this builder
     * @throws IllegalArgumentException when blank
     */
    public Builder bindAddress(String bindAddress) {
      if (bindAddress == null || bindAddress.isBlank()) {
        throw new IllegalArgumentException("bindAddress must not be blank: '" + bindAddress + "'");
      }
      this.bindAddress = bindAddress.trim();
      return this;
    }

    /**
     * Sets the HS256 secret that verifies client tokens (its UTF-8 bytes are the key); default: none, a
     * development secret is generated at start when allowed.
     *
     * @param secret at least {@value #MIN_TOKEN_SECRET_BYTES} bytes in UTF-8
     * @return this builder
     * @throws IllegalArgumentException when shorter (the message gives the length, never the secret)
     */
    public Builder tokenSecret(String secret) {
      Objects.requireNonNull(secret, "tokenSecret");
      int bytes = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (bytes < MIN_TOKEN_SECRET_BYTES) {
        throw new IllegalArgumentException("tokenSecret must be at least " + MIN_TOKEN_SECRET_BYTES
            + " bytes (HS256 needs a 256-bit key): it has " + bytes + "; generate one with `openssl rand -base64 48`");
      }
      this.tokenSecret = Optional.of(secret);
      return this;
    }

    /**
     * Sets the credential {@code POST /api/publish} requires; default: none, a development key is generated at
     * start when allowed.
     *
     * @param key at least 16 characters, no whitespace
     * @return this builder
     * @throws IllegalArgumentException when shorter or containing whitespace (the key is never in the message)
     */
    public Builder publishApiKey(String key) {
      Objects.requireNonNull(key, "publishApiKey");
      if (key.length() < 16 || key.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("publishApiKey must be at least 16 characters without whitespace: it has "
            + key.length() + " characters; generate one with `openssl rand -hex 24`");
      }
      this.publishApiKey = Optional.of(key);
      return this;
    }

    /**
     * Sets whether missing credentials may be replaced by generated development ones; default true (the command
     * line sets it from the environment: false in production and staging).
     *
     * @param allowed whether allowed
     * @return this builder
     */
    public Builder developmentCredentialsAllowed(boolean allowed) {
      this.developmentCredentialsAllowed = allowed;
      return this;
    }

    /**
     * Sets the origins allowed to open a WebSocket; default: none given, the hub's default applies.
     *
     * @param origins e.g. {@code https://app.example.com}, or {@code *} for any origin
     * @return this builder
     * @throws IllegalArgumentException when an origin is blank
     */
    public Builder allowedOrigins(List<String> origins) {
      for (String origin : origins) {
        if (origin == null || origin.isBlank()) {
          throw new IllegalArgumentException("allowedOrigins must not contain a blank origin: " + origins);
        }
      }
      this.allowedOrigins = new ArrayList<>(origins);
      return this;
    }

    /**
     * Sets the connection and message limits; default {@link Limits#HUB_DEFAULTS}.
     *
     * @param limits the limits
     * @return this builder
     */
    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Sets how long shutdown waits for clients to drain; default 10 s.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder drainTimeout(Duration timeout) {
      requirePositive("drainTimeout", timeout);
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * Sets how long the whole startup may take; default 60 s.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder startupTimeout(Duration timeout) {
      requirePositive("startupTimeout", timeout);
      this.startupTimeout = timeout;
      return this;
    }

    /**
     * Sets the number of WebSocket event-loop threads; default: the hub's.
     *
     * @param threads 1 to 256
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder ioThreads(int threads) {
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("ioThreads must be between 1 and 256: " + threads);
      }
      this.ioThreads = OptionalInt.of(threads);
      return this;
    }

    /**
     * Checks the rules that span settings and builds.
     *
     * @return the configuration
     * @throws IllegalStateException when credentials are missing and development ones are not allowed
     */
    public ServerConfig build() {
      List<String> missing = new ArrayList<>();
      if (!developmentCredentialsAllowed && tokenSecret.isEmpty()) {
        missing.add("tokenSecret");
      }
      if (!developmentCredentialsAllowed && publishApiKey.isEmpty()) {
        missing.add("publishApiKey");
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException(String.join(" and ", missing)
            + " must be set when development credentials are not allowed");
      }
      return new ServerConfig(this);
    }
  }
}
