package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar as a user runs it: signals, exit codes and messages seen from the parent process, and a token
 * printed by the {@code token} subcommand opening a WebSocket on a production-configured service.
 */
class DistributionIT {
  private static final Duration DRAIN = Duration.ofSeconds(5);
  /** JVM start and stop around the drain: the exit must come within the drain timeout plus this. */
  private static final Duration EXIT_MARGIN = Duration.ofSeconds(10);

  @Test
  void sigterm_closesClientsWith1001_andExits0WithinTheDrainTimeout() throws Exception {
    try (ServerProcess server = ServerProcess.start(Map.of(), "--environment", "development", "--port", "0",
        "--bind-address", "127.0.0.1", "--drain-timeout", "5s");
        TestClient client = new TestClient()) {
      int port = server.awaitReady();
      TestClient.Connection connection = client.connect(port, server.developmentToken());
      connection.send("{\"op\":\"subscribe\",\"topic\":\"room:1\",\"id\":1}");
      connection.await(frame -> frame.contains("\"subscribed\""), Duration.ofSeconds(10));

      long signalled = System.nanoTime();
      server.sigterm();

      assertThat(connection.closeCode.get(DRAIN.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1001);
      int exit = server.awaitExit(DRAIN.plus(EXIT_MARGIN));
      assertThat(exit).as(server.output()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(DRAIN.plus(EXIT_MARGIN));
      assertThat(server.stdout()).contains("shutting down: draining WebSocket clients", "stopped: shutdown clean");
    }
  }

  @Test
  void configurationError_exits2_withEveryProblem_andNoStackTrace() throws Exception {
    try (ServerProcess server = ServerProcess.start(Map.of("STEADFAST_ENVIRONMENT", "production"),
        "--port", "x", "--drain-timeout", "forever")) {
      int exit = server.awaitExit(ServerProcess.START_TIMEOUT);

      assertThat(exit).as(server.output()).isEqualTo(2);
      assertThat(server.stderr()).contains("4 configuration problems (nothing was started)",
          "--port / STEADFAST_PORT: not a whole number: 'x'",
          "--drain-timeout / STEADFAST_DRAIN_TIMEOUT: not a duration: 'forever'", "no token secret",
          "no publish API key");
      assertThat(server.output()).doesNotContain("Exception", "\tat ");
    }
  }

  @Test
  void portTaken_exits1_namingTheFailedStep() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerProcess server = ServerProcess.start(Map.of(), "--environment", "development",
            "--bind-address", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()))) {
      int exit = server.awaitExit(ServerProcess.START_TIMEOUT);

      assertThat(exit).as(server.output()).isEqualTo(1);
      assertThat(server.stderr()).contains("startup FAILED", "websocket-listener");
    }
  }

  @Test
  void tokenSubcommand_printsATokenThatOpensAWebSocket(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("jwt-secret");
    String secretText = "s3cret-for-the-distribution-test-0123456789-abcdef";
    Files.writeString(secret, secretText + "\n", StandardCharsets.UTF_8);
    String token;
    try (ServerProcess issue = ServerProcess.start(Map.of(), "token", "--secret-file", secret.toString(),
        "--sub", "42", "--subscribe", "room:*", "--publish", "room:42", "--ttl", "1h")) {
      assertThat(issue.awaitExit(ServerProcess.START_TIMEOUT)).as(issue.output()).isZero();
      token = issue.stdout().strip();
      assertThat(token).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
      assertThat(issue.stderr()).contains("token for sub 42", "subscribe [room:*]", "publish [room:42]");
      assertThat(issue.output()).doesNotContain(secretText);
    }
    try (ServerProcess server = ServerProcess.start(Map.of("STEADFAST_ENVIRONMENT", "production",
            "STEADFAST_TOKEN_SECRET_FILE", secret.toString(),
            "STEADFAST_PUBLISH_API_KEY", "distribution-test-key-0123"),
        "--port", "0", "--bind-address", "127.0.0.1");
        TestClient client = new TestClient()) {
      int port = server.awaitReady();
      TestClient.Connection connection = client.connect(port, token);
      connection.send("{\"op\":\"subscribe\",\"topic\":\"room:42\",\"id\":1}");
      connection.await(frame -> frame.contains("\"subscribed\""), Duration.ofSeconds(10));
      connection.send("{\"op\":\"publish\",\"topic\":\"room:42\",\"id\":2,\"payload\":\"hello\"}");
      connection.await(frame -> frame.contains("\"ack\""), Duration.ofSeconds(10));
      connection.send("{\"op\":\"publish\",\"topic\":\"room:7\",\"id\":3,\"payload\":\"not mine\"}");
      connection.await(frame -> frame.contains("\"forbidden\""), Duration.ofSeconds(10));
      assertThat(server.output()).doesNotContain(secretText);
      server.sigterm();
      assertThat(server.awaitExit(DRAIN.plus(EXIT_MARGIN))).isZero();
    }
  }

  @Test
  void launcher_becomesTheServiceJvm_sigtermEndsWith0_andNothingIsLeftBehind() throws Exception {
    try (ServerProcess server = ServerProcess.startLauncher(Map.of(), "--environment", "development", "--port", "0",
        "--bind-address", "127.0.0.1", "--drain-timeout", "5s")) {
      server.awaitReady();
      // exec: the process the caller started IS the JVM, so a signal to it reaches the service and no shell or
      // wrapper stays behind to be orphaned.
      assertThat(server.handle().info().command()).as(server.output()).hasValueSatisfying(
          command -> assertThat(Path.of(command).getFileName().toString()).isEqualTo("java"));
      assertThat(server.handle().descendants()).isEmpty();

      server.sigterm();

      assertThat(server.awaitExit(DRAIN.plus(EXIT_MARGIN))).as(server.output()).isZero();
      assertThat(server.stdout()).contains("stopped: shutdown clean").doesNotContain("building");
    }
  }

  @Test
  void launcher_ctrlC_endsWith0_afterTheShutdownIsLogged() throws Exception {
    // A process started in the background by a non-interactive shell inherits SIGINT ignored, and a JVM keeps an
    // ignored SIGINT ignored: Ctrl-C cannot exist there, whatever the service does. Say so rather than fail.
    assumeThat(sigintIgnored()).as("SIGINT is ignored by this test JVM (started in the background by a"
        + " non-interactive shell), so no child can receive Ctrl-C here; run mvn in the foreground").isFalse();
    try (ServerProcess server = ServerProcess.startLauncher(Map.of(), "--environment", "development", "--port", "0",
        "--bind-address", "127.0.0.1", "--drain-timeout", "5s")) {
      server.awaitReady();

      server.sigint();

      assertThat(server.awaitExit(DRAIN.plus(EXIT_MARGIN))).as(server.output()).isZero();
      assertThat(server.stdout()).contains("shutting down: draining WebSocket clients", "stopped: shutdown clean");
    }
  }

  @Test
  void launcher_passesTheConfigurationExitCode2ToTheCaller() throws Exception {
    try (ServerProcess server = ServerProcess.startLauncher(Map.of(), "--environment", "staging")) {
      assertThat(server.awaitExit(ServerProcess.START_TIMEOUT)).as(server.output()).isEqualTo(2);
      assertThat(server.stderr()).contains("no token secret in the staging environment")
          .doesNotContain("\tat ");
    }
  }

  private static boolean sigintIgnored() throws java.io.IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
      if (line.startsWith("SigIgn:")) {
        long ignored = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
        return (ignored & (1L << (2 - 1))) != 0;
      }
    }
    return false;
  }

  @Test
  void configFileSetsJsonLogs_everyStdoutLineIsOneJsonObject(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("steadfast.properties");
    Files.writeString(config, "environment=development\nbind-address=127.0.0.1\nport=0\nlog-format=json\n",
        StandardCharsets.UTF_8);
    try (ServerProcess server = ServerProcess.start(Map.of(), "--config", config.toString())) {
      server.awaitReady();
      server.sigterm();
      assertThat(server.awaitExit(DRAIN.plus(EXIT_MARGIN))).as(server.output()).isZero();

      ObjectMapper json = new ObjectMapper();
      List<String> lines = server.stdout().lines().toList();
      assertThat(lines).hasSizeGreaterThan(5);
      List<String> messages = new ArrayList<>();
      for (String line : lines) {
        JsonNode event = json.readTree(line);
        assertThat(event.has("level") && event.has("loggerName") && event.has("mdc")).as(line).isTrue();
        messages.add(event.get("formattedMessage").asText());
      }
      assertThat(messages).anyMatch(m -> m.startsWith("startup READY") && m.contains("leak-monitor"))
          .anyMatch(m -> m.contains("DEVELOPMENT ONLY"))
          .anyMatch(m -> m.startsWith("stopped: shutdown clean"));
    }
  }
}
