package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.junit.LeakFree;
import dev.steadfast.leak.LeakCheck;
import dev.steadfast.startup.Environment;
import dev.steadfast.startup.StartupState;
import dev.steadfast.websocket.WebSocketHubConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The leak-monitor step, the status route and the page, in-process over loopback. */
@LeakFree(checks = LeakCheck.THREADS)
class ServiceSelfMonitoringTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<SteadfastServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(SteadfastServer::stop);
  }

  private SteadfastServer start(SteadfastServer.Hooks hooks) {
    ServerConfig config = ServerConfig.builder()
        .hub(WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1").build()).build();
    SteadfastServer server = SteadfastServer.start(config, Environment.TEST, hooks);
    servers.add(server);
    return server;
  }

  private static LoopbackProbe.Answer get(SteadfastServer server, String path) throws Exception {
    return new LoopbackProbe(new InetSocketAddress("127.0.0.1", server.port()), Duration.ofSeconds(10)).get(path);
  }

  @Test
  void leakMonitorStep_watchesEveryRegistry_verdictInMetricsAndStatus() throws Exception {
    SteadfastServer server = start(SteadfastServer.Hooks.NONE);

    assertThat(server.startupReport().steps()).anySatisfy(step -> {
      assertThat(step.name()).isEqualTo(SteadfastServer.STEP_LEAK_MONITOR);
      assertThat(step.status().name()).isEqualTo("UP");
    });
    assertThat(get(server, "/metrics").body()).contains("steadfast_leak_monitor_growing{series=\"all\"}",
        "steadfast_leak_monitor_growing{series=\"heap\"}",
        "steadfast_leak_monitor_registry_size{registry=\"websocket.connections\"}",
        "steadfast_leak_monitor_registry_size{registry=\"broker.subscriptions\"}",
        "steadfast_leak_monitor_registry_size{registry=\"threads.managed\"}",
        "steadfast_leak_monitor_heap_growth_bytes", "steadfast_leak_monitor_heap_unconfirmed",
        "steadfast_leak_monitor_heap_old_collections");
    JsonNode leak = JSON.readTree(get(server, StatusRoute.PATH).body()).get("leak");
    assertThat(leak.get("verdict").asText()).isIn("INSUFFICIENT_DATA", "STABLE");
    assertThat(leak.get("window").asText()).isEqualTo("1h");
    assertThat(leak.get("oldGenerationCollections").isIntegralNumber()).isTrue();
    List<String> series = new ArrayList<>();
    leak.get("series").forEach(s -> series.add(s.get("name").asText()));
    assertThat(series).containsExactlyInAnyOrder("heap", "threads", SelfMonitor.CONNECTIONS, SelfMonitor.TOPICS,
        SelfMonitor.SUBSCRIPTIONS, SelfMonitor.TRACKED_ADDRESSES, SelfMonitor.BROKER_SUBSCRIPTIONS,
        SelfMonitor.MANAGED_THREADS);
  }

  @Test
  void leakMonitorFails_serviceRunsDegraded_statusSaysWhy() throws Exception {
    SteadfastServer server = start(new SteadfastServer.Hooks() {
      @Override
      public void beforeLeakMonitor() {
        throw new IllegalStateException("no GC notifications here");
      }
    });

    assertThat(server.state()).isEqualTo(StartupState.DEGRADED);
    assertThat(get(server, "/health/ready").body()).contains("leak-monitor: FAILED", "no GC notifications here");
    JsonNode leak = JSON.readTree(get(server, StatusRoute.PATH).body()).get("leak");
    assertThat(leak.get("verdict").asText()).isEqualTo("UNAVAILABLE");
    assertThat(leak.get("reason").asText()).contains("leak-monitor step is FAILED", "no GC notifications here");
  }

  @Test
  void status_countsConnectionsAndTopics() throws Exception {
    SteadfastServer server = start(SteadfastServer.Hooks.NONE);
    String token = server.credentials().tokenIssuer()
        .issue("7", List.of("room:*"), List.of(), Duration.ofMinutes(5));
    try (TestClient client = new TestClient()) {
      TestClient.Connection connection = client.connect(server.port(), token);
      connection.send("{\"op\":\"subscribe\",\"topic\":\"room:9\",\"id\":1}");
      connection.await(frame -> frame.contains("\"subscribed\""), Duration.ofSeconds(10));

      JsonNode status = JSON.readTree(get(server, StatusRoute.PATH).body());
      assertThat(status.get("readiness").asText()).isEqualTo("READY");
      assertThat(status.get("webSockets").asInt()).isEqualTo(1);
      assertThat(status.get("topics").asInt()).isEqualTo(1);
      assertThat(status.get("subscriptions").asInt()).isEqualTo(1);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertThat(JSON.readTree(get(server, StatusRoute.PATH).body()).get("topics").asInt()).isZero());
  }

  @Test
  void page_isServedFromTheJar_withNothingFromAnotherSite() throws Exception {
    SteadfastServer server = start(SteadfastServer.Hooks.NONE);

    LoopbackProbe.Answer page = get(server, "/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("<script src=\"/dashboard.js\"></script>", "href=\"/dashboard.css\"",
        "<script src=\"/timeline.js\"></script>", "href=\"/timeline.css\"");
    for (String path : List.of("/", "/dashboard.js", "/dashboard.css", "/timeline.js", "/timeline.css")) {
      LoopbackProbe.Answer file = get(server, path);
      assertThat(file.status()).as(path).isEqualTo(200);
      assertThat(file.body()).as(path + " loads nothing from another site").doesNotContain("https://", "//cdn");
    }
  }

  @Test
  void startupReport_listsEachStepsDependencies_andIsServedAsOneHtmlFile() throws Exception {
    SteadfastServer server = start(SteadfastServer.Hooks.NONE);

    JsonNode steps = JSON.readTree(get(server, HealthRoutes.STARTUP_REPORT).body()).get("steps");
    JsonNode listener = null;
    for (JsonNode step : steps) {
      if (step.get("name").asText().equals(SteadfastServer.STEP_WEBSOCKET)) {
        listener = step;
      }
    }
    assertThat(listener).isNotNull();
    assertThat(listener.get("dependsOn").toString()).isEqualTo("[\"configuration\",\"threads\",\"message-broker\"]");
    assertThat(listener.get("dependsOnOptionally").toString()).isEqualTo("[\"metrics\"]");

    LoopbackProbe.Answer html = get(server, HealthRoutes.STARTUP_REPORT_HTML);
    assertThat(html.status()).isEqualTo(200);
    assertThat(html.body()).startsWith("<!doctype html>").contains("SteadfastTimeline.draw(")
        .doesNotContain("<script src=", "<link ");
  }
}
