package dev.steadfast.server;

import dev.steadfast.websocket.TokenIssuer;
import dev.steadfast.websocket.WebSocketHub;
import java.util.ArrayList;
import java.util.List;

/** Applies a {@link ServerConfig} to a {@link WebSocketHub.Builder}; unset limits keep the hub's defaults. */
final class HubConfigurer {
  private final WebSocketHub.Builder builder;
  private final List<String> problems = new ArrayList<>();

  private HubConfigurer(WebSocketHub.Builder builder) {
    this.builder = builder;
  }

  /**
   * Configures {@code builder} from the configuration and credentials.
   *
   * @throws IllegalArgumentException listing every setting the hub refused
   */
  static WebSocketHub.Builder configure(WebSocketHub.Builder builder, ServerConfig config, Credentials credentials) {
    HubConfigurer configurer = new HubConfigurer(builder);
    configurer.apply(config, credentials.tokenSecret(), credentials.publishApiKey());
    if (!configurer.problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", configurer.problems));
    }
    return builder;
  }

  /**
   * Every problem the hub finds with the configuration (its own ranges and the rules spanning settings, such as
   * ping interval shorter than idle timeout), without starting anything.
   */
  static List<String> problems(ServerConfig config) {
    HubConfigurer configurer = new HubConfigurer(WebSocketHub.builder());
    // Placeholder credentials: only the limits are checked here; the real ones are resolved at startup.
    configurer.apply(config, TokenIssuer.newSecret(), "placeholder-key-0123456789");
    if (configurer.problems.isEmpty()) {
      try {
        // Built only to run the hub's cross-setting checks. A hub that never started holds no thread or socket,
        // and closing it would log a misleading "hub closed" line, so it is dropped.
        configurer.builder.build();
      } catch (IllegalArgumentException | IllegalStateException e) {
        configurer.problems.add(e.getMessage());
      }
    }
    return configurer.problems;
  }

  private void apply(ServerConfig config, byte[] secret, String apiKey) {
    set(() -> builder.port(config.port()));
    set(() -> builder.bindAddress(config.bindAddress()));
    set(() -> builder.tokenSecret(secret));
    set(() -> builder.publishApiKey(apiKey));
    if (!config.allowedOrigins().isEmpty()) {
      set(() -> builder.allowedOrigins(config.allowedOrigins()));
    }
    ServerConfig.Limits limits = config.limits();
    limits.maxConnections().ifPresent(n -> set(() -> builder.maxConnections(n)));
    limits.maxConnectionsPerAddress().ifPresent(n -> set(() -> builder.maxConnectionsPerAddress(n)));
    limits.maxMessageBytes().ifPresent(n -> set(() -> builder.maxFrameSize(n).maxMessageSize(n)));
    limits.maxOutboundBytes().ifPresent(n -> set(() -> builder.maxOutboundBytes(n)));
    limits.maxSubscriptionsPerConnection().ifPresent(n -> set(() -> builder.maxSubscriptionsPerConnection(n)));
    limits.handshakeTimeout().ifPresent(d -> set(() -> builder.handshakeTimeout(d)));
    limits.pingInterval().ifPresent(d -> set(() -> builder.pingInterval(d)));
    limits.idleTimeout().ifPresent(d -> set(() -> builder.idleTimeout(d)));
    config.ioThreads().ifPresent(n -> set(() -> builder.eventLoopThreads(n)));
  }

  private void set(Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException | IllegalStateException e) {
      problems.add(e.getMessage());
    }
  }
}
