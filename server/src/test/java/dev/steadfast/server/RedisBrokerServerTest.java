package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.leak.LeakCheck;
import dev.steadfast.junit.LeakFree;
import dev.steadfast.startup.Environment;
import dev.steadfast.startup.StartupFailedException;
import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import dev.steadfast.websocket.redis.RedisServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service with {@code --broker redis://...} against a real redis-server: startup failure and readiness. */
@LeakFree(checks = LeakCheck.THREADS, ignoreThreads = {"globalEventExecutor-.*", "process reaper.*"})
class RedisBrokerServerTest {

  @RegisterExtension
  static final RedisServer REDIS = RedisServer.ephemeral();

  private static final ObjectMapper JSON = new ObjectMapper();

  private SteadfastServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  private static ServerConfig config(String redisUri) {
    return ServerConfig.builder()
        .hub(WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1").build())
        .redisBroker(RedisBrokerConfig.custom().uri(redisUri).connectTimeout(Duration.ofSeconds(2)).build())
        .build();
  }

  private static LoopbackProbe.Answer get(int port, String path) throws Exception {
    return new LoopbackProbe(new InetSocketAddress("127.0.0.1", port), Duration.ofSeconds(10)).get(path);
  }

  @Test
  void redisUnreachableAtStartup_messageBrokerStepFailsNamingTheAddressAndTheCause() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    ServerConfig config = config("redis://127.0.0.1:" + closedPort);

    assertThatThrownBy(() -> SteadfastServer.start(config, Environment.TEST))
        .isInstanceOfSatisfying(StartupFailedException.class,
            e -> assertThat(e.report().failedStep()).hasValue(SteadfastServer.STEP_BROKER))
        .hasMessageContaining("cannot connect to Redis at 127.0.0.1:" + closedPort)
        .hasMessageContaining("Connection refused");
  }

  @Test
  void redisLostAtRuntime_readyAnswers503NamingTheBroker_andRecoversWhenRedisIsBack() throws Exception {
    server = SteadfastServer.start(config(REDIS.uri()), Environment.TEST);
    assertThat(get(server.port(), "/health/ready").status()).isEqualTo(200);

    REDIS.kill();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      LoopbackProbe.Answer ready = get(server.port(), "/health/ready");
      assertThat(ready.status()).isEqualTo(503);
      JsonNode body = JSON.readTree(ready.body());
      assertThat(body.get("failed")).extracting(JsonNode::asText)
          .containsExactly("message-broker: disconnected");
    });
    assertThat(get(server.port(), "/health/live").status()).isEqualTo(200);
    REDIS.start();
    await().atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(get(server.port(), "/health/ready").status()).isEqualTo(200));
  }
}
