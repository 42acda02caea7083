package dev.steadfast.bench.websocket;

import dev.steadfast.server.ServerConfig;
import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import dev.steadfast.server.SteadfastServer;
import dev.steadfast.startup.Environment;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The Steadfast reference service as the benchmark runs it: the full service (startup, thread manager, metrics,
 * broker, hub) on loopback, with connection caps raised above the benchmark's counts and every other limit at its
 * default (heartbeat, idle timeout, outbound bound, handshake timeout).
 */
final class SteadfastBenchServer implements BenchServerProcess.BenchedServer {
  /** Above the largest benchmark count; the defaults (10,000 total, 100 per address) would refuse the load. */
  static final int CONNECTION_CAP = 100_000;

  private final SteadfastServer server;
  private final String token;

  private SteadfastBenchServer(SteadfastServer server) {
    this.server = server;
    this.token = server.credentials().tokenIssuer()
        .issue("bench", List.of("*"), List.of("*"), Duration.ofHours(6));
  }

  static SteadfastBenchServer start(int ioThreads) {
    ServerConfig config = ServerConfig.builder().hub(hub(ioThreads).build()).build();
    return new SteadfastBenchServer(SteadfastServer.start(config, Environment.TEST));
  }

  /**
   * One node of a cluster: the Redis broker at {@code redisUri} with a history of {@code historySize} per topic, and
   * the token secret every node shares (so a client's token is accepted by any node).
   */
  static SteadfastBenchServer startOnRedis(int ioThreads, String redisUri, byte[] tokenSecret, int historySize) {
    ServerConfig config = ServerConfig.builder()
        .hub(hub(ioThreads).tokenSecret(tokenSecret).build())
        .redisBroker(RedisBrokerConfig.custom().uri(redisUri).historySize(historySize).build())
        .build();
    return new SteadfastBenchServer(SteadfastServer.start(config, Environment.TEST));
  }

  private static WebSocketHubConfig.Builder hub(int ioThreads) {
    return WebSocketHubConfig.custom()
        .port(0)
        .bindAddress("127.0.0.1")
        .eventLoopThreads(ioThreads)
        .maxConnections(CONNECTION_CAP)
        .maxConnectionsPerAddress(CONNECTION_CAP)
        // The load generator opens connections from a few loopback addresses in bursts.
        .maxPendingHandshakesPerAddress(CONNECTION_CAP)
        .maxPendingHandshakes(CONNECTION_CAP);
  }

  @Override
  public int port() {
    return server.port();
  }

  @Override
  public int registrySize() {
    return server.statistics().connections();
  }

  @Override
  public Map<String, String> readyInfo() {
    return Map.of("token", token);
  }

  @Override
  public void close() {
    server.stop();
  }
}
