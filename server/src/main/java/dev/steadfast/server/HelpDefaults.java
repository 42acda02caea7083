package dev.steadfast.server;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.leak.LeakMonitor;
import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import java.time.Duration;
import java.util.ListResourceBundle;

/**
 * The defaults {@code --help} shows, taken from the constants that define them ({@code WebSocketHubConfig},
 * {@code ServerConfig}, {@code LeakMonitor}), so the help text can never drift from what the service does. Option
 * descriptions refer to them as {@code ${bundle:default.idle-timeout}}; picocli fills them in.
 *
 * <pre>{@code
 * new CommandLine(new Flags()).setResourceBundle(new HelpDefaults()).getUsageMessage();
 * }</pre>
 */
final class HelpDefaults extends ListResourceBundle {
  @Override
  protected Object[][] getContents() {
    return new Object[][] {
        {"default.port", Integer.toString(WebSocketHubConfig.DEFAULT_PORT)},
        {"default.bind-address", WebSocketHubConfig.DEFAULT_BIND_ADDRESS},
        {"default.max-connections", Integer.toString(WebSocketHubConfig.DEFAULT_MAX_CONNECTIONS)},
        {"default.max-connections-per-address",
            Integer.toString(WebSocketHubConfig.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS)},
        {"default.max-message-bytes", bytes(WebSocketHubConfig.DEFAULT_MAX_MESSAGE_SIZE)},
        {"default.max-outbound-bytes", bytes(WebSocketHubConfig.DEFAULT_MAX_OUTBOUND_BYTES)},
        {"default.max-subscriptions-per-connection",
            Integer.toString(WebSocketHubConfig.DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION)},
        {"default.handshake-timeout", duration(WebSocketHubConfig.DEFAULT_HANDSHAKE_TIMEOUT)},
        {"default.ping-interval", duration(WebSocketHubConfig.DEFAULT_PING_INTERVAL)},
        {"default.idle-timeout", duration(WebSocketHubConfig.DEFAULT_IDLE_TIMEOUT)},
        {"default.io-threads", "one per processor, " + WebSocketHubConfig.DEFAULT_EVENT_LOOP_THREADS + " here"},
        {"default.drain-timeout", duration(ServerConfig.DEFAULT_DRAIN_TIMEOUT)},
        {"default.startup-timeout", duration(ServerConfig.DEFAULT_STARTUP_TIMEOUT)},
        {"default.history-size", Integer.toString(RedisBrokerConfig.DEFAULT_HISTORY_SIZE)},
        {"default.history-ttl", duration(RedisBrokerConfig.DEFAULT_HISTORY_TTL)},
        {"default.leak-window", duration(ServerConfig.DEFAULT_LEAK_WINDOW)},
        {"min.leak-window", duration(LeakMonitor.MIN_WINDOW)},
        {"min.publish-api-key", Integer.toString(WebSocketHubConfig.MIN_PUBLISH_API_KEY_LENGTH)},
        {"min.token-secret", Integer.toString(dev.steadfast.websocket.TokenIssuer.MIN_SECRET_BYTES)},
    };
  }

  private static String duration(Duration duration) {
    return Durations.format(duration);
  }

  private static String bytes(int bytes) {
    return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB"
        : bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
  }
}
