package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.junit.LeakFree;
import dev.steadfast.leak.LeakCheck;
import dev.steadfast.startup.Environment;
import dev.steadfast.startup.StartupFailedException;
import dev.steadfast.startup.StartupOutcome;
import dev.steadfast.startup.StartupState;
import dev.steadfast.startup.StepStatus;
import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.HttpReply;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service over loopback: lifecycle, health routes per state, graceful shutdown, threads. {@code @LeakFree}
 * checks threads only: the ThreadLocal check would flag the per-thread caches Jackson and Netty keep on the test
 * thread itself (the test client parses and writes there), which are not the server's.
 */
@LeakFree(checks = LeakCheck.THREADS)
class SteadfastServerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private Set<Thread> threadsBefore;
  private final List<SteadfastServer> servers = new ArrayList<>();

  @BeforeEach
  void recordThreads() {
    threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
  }

  @AfterEach
  void stopServersAndCheckThreads() {
    servers.forEach(SteadfastServer::stop);
    await().pollInSameThread().atMost(WAIT).untilAsserted(() -> assertThat(newThreads()).isEmpty());
  }

  private List<String> newThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !threadsBefore.contains(t))
        .map(Thread::getName)
        // Started once per JVM by the JDK or the test tooling, not by the server.
        .filter(name -> !name.equals("Attach Listener") && !name.startsWith("process reaper")
            && !name.startsWith("Common-Cleaner") && !name.startsWith("ForkJoinPool.commonPool"))
        .toList();
  }

  private static WebSocketHubConfig.Builder testHub() {
    return WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1");
  }

  private static ServerConfig.Builder testConfig(WebSocketHubConfig.Builder hub) {
    return ServerConfig.builder().hub(hub.build()).drainTimeout(Duration.ofSeconds(10));
  }

  private static ServerConfig.Builder testConfig() {
    return testConfig(testHub());
  }

  private SteadfastServer start(ServerConfig config, SteadfastServer.Hooks hooks) {
    SteadfastServer server = SteadfastServer.start(config, Environment.TEST, hooks);
    servers.add(server);
    return server;
  }

  private static LoopbackProbe.Answer get(int port, String path) throws Exception {
    return new LoopbackProbe(new InetSocketAddress("127.0.0.1", port), Duration.ofSeconds(10)).get(path);
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void started_healthRoutesAnswerReady() throws Exception {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);
    int port = server.port();

    assertThat(server.state()).isEqualTo(StartupState.READY);
    LoopbackProbe.Answer ready = get(port, "/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(json(ready.body()).get("status").asText()).isEqualTo("READY");
    assertThat(get(port, "/health/live")).isEqualTo(new LoopbackProbe.Answer(200, "{\"status\":\"UP\"}"));
    assertThat(get(port, "/health/startup"))
        .isEqualTo(new LoopbackProbe.Answer(200, "{\"status\":\"STARTED\",\"outcome\":\"READY\"}"));
  }

  @Test
  void listenerStopsAcceptingWithoutDrain_readyAnswers503NamingIt_liveStays200() throws Exception {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);
    assertThat(get(server.port(), "/health/ready").status()).isEqualTo(200);

    server.hub().stopAccepting();

    // No new connection reaches a closed listener: ask the very routes the hub serves, in-process.
    assertThat(server.isDraining()).isFalse();
    HttpReply ready = server.healthRoutes().ready();
    assertThat(ready.status()).isEqualTo(503);
    JsonNode body = json(ready.body());
    assertThat(body.get("status").asText()).isEqualTo("FAILED");
    assertThat(body.get("failed")).extracting(JsonNode::asText)
        .containsExactly("websocket-listener: not accepting connections");
    HttpReply live = server.healthRoutes().live();
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.body()).isEqualTo("{\"status\":\"UP\"}");
  }

  @Test
  void started_startupRouteServesTheReportWithEveryStep() throws Exception {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);

    LoopbackProbe.Answer report = get(server.port(), "/startup");

    assertThat(report.status()).isEqualTo(200);
    JsonNode steps = json(report.body()).get("steps");
    List<String> names = new ArrayList<>();
    steps.forEach(step -> {
      names.add(step.get("name").asText());
      assertThat(step.get("status").asText()).as(step.toString()).isEqualTo("UP");
    });
    assertThat(names).containsExactly("configuration", "metrics", "threads", "message-broker", "websocket-listener",
        "self-check", "leak-monitor");
  }

  @Test
  void started_metricsRouteServesPrometheusTextWithHubThreadAndJvmMeters() throws Exception {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);

    LoopbackProbe.Answer metrics = get(server.port(), "/metrics");

    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body()).contains("# TYPE", "steadfast_websocket", "steadfast_threads", "jvm_memory_used_bytes",
        "steadfast_server_ready 1.0");
  }

  @Test
  void whileStarting_readyAndStartupProbesAnswer503_liveAnswers200() throws Exception {
    CompletableFuture<Integer> portSeen = new CompletableFuture<>();
    CountDownLatch release = new CountDownLatch(1);
    SteadfastServer.Hooks holdSelfCheck = new SteadfastServer.Hooks() {
      @Override
      public void beforeSelfCheck(int port) throws Exception {
        portSeen.complete(port);
        release.await();
      }
    };
    CompletableFuture<SteadfastServer> starting =
        CompletableFuture.supplyAsync(() -> start(testConfig().build(), holdSelfCheck));
    try {
      int port = portSeen.get(30, TimeUnit.SECONDS);

      LoopbackProbe.Answer ready = get(port, "/health/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(json(ready.body()).get("status").asText()).isEqualTo("STARTING");
      assertThat(get(port, "/health/startup"))
          .isEqualTo(new LoopbackProbe.Answer(503, "{\"status\":\"STARTING\"}"));
      assertThat(get(port, "/health/live").status()).isEqualTo(200);
      assertThat(get(port, "/startup").status()).isEqualTo(503);
    } finally {
      release.countDown();
    }
    assertThat(starting.get(30, TimeUnit.SECONDS).state()).isEqualTo(StartupState.READY);
  }

  @Test
  void optionalMetricsFails_serviceRunsDegraded_readyAnswers200ListingIt() throws Exception {
    SteadfastServer.Hooks brokenMetrics = new SteadfastServer.Hooks() {
      @Override
      public PrometheusMeterRegistry newMeterRegistry() {
        throw new IllegalStateException("metrics backend unavailable");
      }
    };
    SteadfastServer server = start(testConfig().build(), brokenMetrics);
    int port = server.port();

    assertThat(server.state()).isEqualTo(StartupState.DEGRADED);
    LoopbackProbe.Answer ready = get(port, "/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.body()).contains("\"status\":\"DEGRADED\"", "metrics: FAILED", "metrics backend unavailable");
    assertThat(get(port, "/health/startup").body()).contains("\"outcome\":\"DEGRADED\"");
    LoopbackProbe.Answer metrics = get(port, "/metrics");
    assertThat(metrics.status()).isEqualTo(503);
    assertThat(metrics.body()).contains("the 'metrics' step did not come up");
  }

  @Test
  void requiredListenerCannotBind_startupFailsWithReport_andStopsWhatStarted() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      ServerConfig config = testConfig(testHub().port(taken.getLocalPort())).build();

      assertThatThrownBy(() -> SteadfastServer.start(config, Environment.TEST))
          .isInstanceOfSatisfying(StartupFailedException.class, e -> {
            assertThat(e.report().outcome()).isEqualTo(StartupOutcome.FAILED);
            assertThat(e.report().failedStep()).hasValue("websocket-listener");
            assertThat(e.report().step("self-check").status()).isNotEqualTo(StepStatus.UP);
          })
          .hasMessageContaining("root cause: step 'websocket-listener': java.net.BindException")
          .cause().hasMessageContaining("WebSocket hub could not listen on /127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void gracefulShutdown_clientsReceive1001_andEveryAcknowledgedPublishReachesEverySubscriber() throws Exception {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);
    String token = server.credentials().tokenIssuer()
        .issue("tester", List.of("room:*"), List.of("room:*"), Duration.ofMinutes(5));
    try (TestClient client = new TestClient()) {
      List<TestClient.Connection> subscribers = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        TestClient.Connection s = client.connect(server.port(), token);
        s.send("{\"op\":\"subscribe\",\"topic\":\"room:1\",\"id\":\"s\"}");
        s.await(f -> f.contains("\"subscribed\""), WAIT);
        subscribers.add(s);
      }
      TestClient.Connection publisher = client.connect(server.port(), token);
      int batch = 1_000;
      for (int i = 0; i < batch; i++) {
        publisher.send(publishFrame(i));
      }
      await().pollInSameThread().atMost(WAIT).until(() -> acknowledged(publisher).size() >= 100);
      // The guarantee: a publish acknowledged before shutdown begins reaches every subscriber connected then.
      Set<Integer> acknowledged = acknowledged(publisher);
      CompletableFuture<?> stopping = CompletableFuture.runAsync(server::stop);
      for (int i = batch; i < 2 * batch; i++) {
        publisher.send(publishFrame(i));
      }

      for (TestClient.Connection c : subscribers) {
        assertThat(c.closeCode.get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      }
      assertThat(publisher.closeCode.get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      stopping.get(30, TimeUnit.SECONDS);
      for (TestClient.Connection s : subscribers) {
        Set<Integer> delivered = s.received.stream()
            .map(SteadfastServerTest::messageNumber)
            .filter(n -> n >= 0)
            .collect(Collectors.toSet());
        assertThat(delivered).as("messages delivered to a subscriber").containsAll(acknowledged);
      }
    }
    assertThat(server.awaitStopped(WAIT)).isTrue();
    assertThat(server.state()).isEqualTo(StartupState.STOPPED);
  }

  private static String publishFrame(int n) {
    return "{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":" + n + ",\"payload\":{\"n\":" + n + "}}";
  }

  private static Set<Integer> acknowledged(TestClient.Connection publisher) {
    Set<Integer> ids = new HashSet<>();
    for (String frame : publisher.received) {
      if (frame.contains("\"op\":\"ack\"")) {
        ids.add(parse(frame).get("id").asInt());
      }
    }
    return ids;
  }

  private static JsonNode parse(String frame) {
    try {
      return JSON.readTree(frame);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + frame, e);
    }
  }

  private static int messageNumber(String frame) {
    JsonNode node = parse(frame);
    return "message".equals(node.path("op").asText()) ? node.path("payload").path("n").asInt(-1) : -1;
  }


  @Test
  void stop_readyAnswers503AtOnce_andHubRegistryIsEmptyAfterwards() throws Exception {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);
    String token = server.credentials().tokenIssuer()
        .issue("tester", List.of("room:*"), List.of(), Duration.ofMinutes(5));
    try (TestClient client = new TestClient()) {
      TestClient.Connection c = client.connect(server.port(), token);
      c.send("{\"op\":\"subscribe\",\"topic\":\"room:2\"}");
      c.await(f -> f.contains("\"subscribed\""), WAIT);

      server.stop();

      assertThat(server.isDraining()).isTrue();
      assertThat(server.health().isReady()).isFalse();
      assertThat(server.health().readiness()).isEqualTo("DRAINING");
      assertThat(c.closeCode.get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      assertThat(server.statistics().connections()).isZero();
      assertThat(server.statistics().subscriptions()).isZero();
    }
  }

  @Test
  void developmentCredentials_printedTokenSubscribes_andPrintedApiKeyPublishes() throws Exception {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);
    Credentials credentials = server.credentials();
    String banner = Main.banner(server, testConfig().build());

    assertThat(banner).contains("DEVELOPMENT ONLY", credentials.developmentToken().orElseThrow(),
        credentials.developmentPublishApiKey().orElseThrow());
    try (TestClient client = new TestClient()) {
      TestClient.Connection c = client.connect(server.port(), credentials.developmentToken().orElseThrow());
      c.send("{\"op\":\"subscribe\",\"topic\":\"room:7\"}");
      c.await(f -> f.contains("\"subscribed\""), WAIT);

      LoopbackProbe.Answer published = new LoopbackProbe(new InetSocketAddress("127.0.0.1", server.port()), WAIT)
          .request("POST", "/api/publish", Map.of("X-Api-Key", credentials.developmentPublishApiKey().orElseThrow(),
              "Content-Type", "application/json"), "{\"topic\":\"room:7\",\"payload\":{\"text\":\"hi\"}}");

      assertThat(published.status()).as(published.body()).isEqualTo(200);
      assertThat(c.await(f -> f.contains("\"op\":\"message\""), WAIT)).contains("\"text\":\"hi\"");
    }
  }

  @Test
  void configuredCredentials_nothingIsGeneratedOrPrinted() throws Exception {
    String secret = "configured-secret-0123456789abcdef-0123";
    String key = "configured-key-0123456789";
    ServerConfig config = testConfig(testHub().tokenSecret(secret).publishApiKey(key)).developmentCredentialsAllowed(false)
        .build();
    SteadfastServer server = start(config, SteadfastServer.Hooks.NONE);

    assertThat(server.credentials().isDevelopment()).isFalse();
    assertThat(server.credentials().developmentToken()).isEmpty();
    assertThat(Main.banner(server, config)).doesNotContain("DEVELOPMENT").doesNotContain(secret).doesNotContain(key);
    LoopbackProbe.Answer wrongKey = new LoopbackProbe(new InetSocketAddress("127.0.0.1", server.port()), WAIT)
        .request("POST", "/api/publish", Map.of("X-Api-Key", "not-the-configured-key"),
            "{\"topic\":\"room:7\",\"payload\":1}");
    assertThat(wrongKey.status()).isEqualTo(401);
  }

  @Test
  void stop_isIdempotent_andLeavesNoThreadBehind() {
    SteadfastServer server = start(testConfig().build(), SteadfastServer.Hooks.NONE);

    assertThat(server.stop().isClean()).isTrue();
    assertThat(server.stop()).isSameAs(server.stop());
    await().pollInSameThread().atMost(WAIT).untilAsserted(() -> assertThat(newThreads()).isEmpty());
  }
}
