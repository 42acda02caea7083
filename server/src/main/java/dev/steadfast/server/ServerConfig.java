package dev.steadfast.server;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.leak.LeakMonitor;
import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated, immutable configuration of a {@link SteadfastServer}: the WebSocket hub's settings, a
 * {@link WebSocketHubConfig} whose defaults and rules are written once there, and what only the server has
 * (drain and startup timeouts, whether development credentials may be generated).
 *
 * <p>Usually built by {@link Main} from flags and environment variables; in code (tests, embedding):
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder()
 *     .hub(WebSocketHubConfig.custom()
 *         .port(0)                               // any free port
 *         .bindAddress("127.0.0.1")
 *         .maxConnections(50_000)
 *         .tokenSecret("a-secret-of-at-least-32-bytes-.......")
 *         .publishApiKey("publisher-key-0123")
 *         .build())
 *     .drainTimeout(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 *
 * <p>Without a token secret or publish API key in the hub settings the server generates development credentials at
 * start and prints them, marked DEVELOPMENT ONLY; {@link #developmentCredentialsAllowed()} says whether that is
 * allowed (it is not in the production and staging environments, where their absence is a configuration error).
 */
public final class ServerConfig {
  /** How long shutdown waits for clients to receive their queued messages and the 1001 close. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
  /** How long the whole startup may take. */
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
  /** Window over which the service's own leak monitor fits its trends ({@code LeakMonitor}'s default). */
  public static final Duration DEFAULT_LEAK_WINDOW = LeakMonitor.DEFAULT_WINDOW;

  private final WebSocketHubConfig hub;
  private final boolean developmentCredentialsAllowed;
  private final Duration drainTimeout;
  private final Duration startupTimeout;
  private final Duration leakWindow;
  private final Optional<RedisBrokerConfig> redisBroker;

  private ServerConfig(Builder b) {
    this.hub = b.hub;
    this.redisBroker = b.redisBroker;
    this.developmentCredentialsAllowed = b.developmentCredentialsAllowed;
    this.drainTimeout = b.drainTimeout;
    this.startupTimeout = b.startupTimeout;
    this.leakWindow = b.leakWindow;
  }

  /**
   * Starts a configuration with every default.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the WebSocket hub's settings: address, limits, timeouts, and the credentials when configured */
  public WebSocketHubConfig hub() {
    return hub;
  }

  /** @return whether missing credentials may be replaced by generated development ones */
  public boolean developmentCredentialsAllowed() {
    return developmentCredentialsAllowed;
  }

  /** @return how long shutdown waits for clients to drain */
  public Duration drainTimeout() {
    return drainTimeout;
  }

  /** @return how long the whole startup may take */
  public Duration startupTimeout() {
    return startupTimeout;
  }

  /** @return the window of the service's own leak monitor (the {@code leak-monitor} step) */
  public Duration leakWindow() {
    return leakWindow;
  }

  /**
   * @return the Redis broker's settings when the hub nodes share topics through Redis; empty (the default) for the
   *     single-node in-process broker
   */
  public Optional<RedisBrokerConfig> redisBroker() {
    return redisBroker;
  }

  @Override
  public String toString() {
    // The hub's settings never print the secret or the key, only whether they are set; nor does the broker's.
    return "ServerConfig[" + hub + ", broker=" + redisBroker.map(Object::toString).orElse("in-process")
        + ", drainTimeout=" + drainTimeout + ", startupTimeout=" + startupTimeout + ", leakWindow=" + leakWindow
        + "]";
  }

  private static void requirePositive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  /**
   * Builds a {@link ServerConfig}; each setter validates at once and names the parameter and value it rejects.
   *
   * <pre>{@code
   * ServerConfig.builder().hub(WebSocketHubConfig.custom().port(9090).build()).drainTimeout(Duration.ofSeconds(3))
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    private WebSocketHubConfig hub = WebSocketHubConfig.ofDefaults();
    private boolean developmentCredentialsAllowed = true;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
    private Duration leakWindow = DEFAULT_LEAK_WINDOW;
    private Optional<RedisBrokerConfig> redisBroker = Optional.empty();

    private Builder() {}

    /**
     * Sets the window over which the service's leak monitor fits its trends; default {@link #DEFAULT_LEAK_WINDOW}.
     * A verdict needs a third of the window (4 of its 12 slots) of data, so a short window answers sooner and sees
     * shorter trends.
     *
     * @param window at least {@code LeakMonitor.MIN_WINDOW} (1 min)
     * @return this builder
     * @throws IllegalArgumentException when shorter
     */
    public Builder leakWindow(Duration window) {
      Objects.requireNonNull(window, "leakWindow");
      if (window.compareTo(LeakMonitor.MIN_WINDOW) < 0) {
        throw new IllegalArgumentException("leakWindow must be at least " + Durations.format(LeakMonitor.MIN_WINDOW)
            + ": " + (window.isNegative() ? window : Durations.format(window)));
      }
      this.leakWindow = window;
      return this;
    }

    /**
     * Shares topics with the other nodes through Redis; default: none, the single-node in-process broker.
     *
     * @param broker the Redis broker's settings
     * @return this builder
     */
    public Builder redisBroker(RedisBrokerConfig broker) {
      this.redisBroker = Optional.of(Objects.requireNonNull(broker, "broker"));
      return this;
    }

    /**
     * Sets the WebSocket hub's settings; default {@link WebSocketHubConfig#ofDefaults()}.
     *
     * @param hub the hub's settings
     * @return this builder
     */
    public Builder hub(WebSocketHubConfig hub) {
      this.hub = Objects.requireNonNull(hub, "hub");
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
     * Sets how long shutdown waits for clients to drain; default {@link #DEFAULT_DRAIN_TIMEOUT}.
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
     * Sets how long the whole startup may take; default {@link #DEFAULT_STARTUP_TIMEOUT}.
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
     * Checks the rules that span settings and builds.
     *
     * @return the configuration
     * @throws IllegalStateException when credentials are missing and development ones are not allowed
     */
    public ServerConfig build() {
      List<String> missing = new ArrayList<>();
      if (!developmentCredentialsAllowed && hub.tokenSecret().isEmpty()) {
        missing.add("tokenSecret");
      }
      if (!developmentCredentialsAllowed && hub.publishApiKey().isEmpty()) {
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
