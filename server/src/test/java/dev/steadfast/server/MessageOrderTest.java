package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.junit.LeakFree;
import dev.steadfast.leak.LeakCheck;
import dev.steadfast.startup.Environment;
import dev.steadfast.websocket.WebSocketHubConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The order the README documents for a publisher subscribed to its own topic, with the in-process broker: its own
 * copy of the {@code message} comes first, then its {@code ack} (the broker delivers synchronously, and members on
 * the publisher's own event loop are written at once; the ack follows once the broker accepted the message).
 */
@LeakFree(checks = LeakCheck.THREADS)
class MessageOrderTest {
  @Test
  void publisherSubscribedToItsTopic_getsItsOwnMessageThenTheAck() throws Exception {
    ServerConfig config = ServerConfig.builder()
        .hub(WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1").build()).build();
    try (SteadfastServer server = SteadfastServer.start(config, Environment.TEST);
        TestClient client = new TestClient()) {
      String token = server.credentials().tokenIssuer()
          .issue("1", List.of("room:*"), List.of("room:*"), Duration.ofMinutes(5));
      TestClient.Connection connection = client.connect(server.port(), token);
      connection.send("{\"op\":\"subscribe\",\"topic\":\"room:1\",\"id\":1}");
      connection.await(frame -> frame.contains("\"subscribed\""), Duration.ofSeconds(10));

      for (int i = 0; i < 20; i++) {
        connection.send("{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":" + (i + 2) + ",\"payload\":" + i + "}");
        String first = connection.await(frame -> true, Duration.ofSeconds(10));
        String second = connection.await(frame -> true, Duration.ofSeconds(10));
        assertThat(first).isEqualTo("{\"op\":\"message\",\"topic\":\"room:1\",\"payload\":" + i + "}");
        assertThat(second).startsWith("{\"op\":\"ack\"").contains("\"id\":" + (i + 2));
      }
    }
  }
}
