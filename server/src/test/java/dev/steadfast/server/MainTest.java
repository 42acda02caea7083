package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) throws Exception {
    return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void misconfigured_exitsWith2_printingEveryProblem_andStartsNothing() throws Exception {
    int exit = run(Map.of("STEADFAST_ENVIRONMENT", "production"), "--port", "x", "--max-connections", "0");

    assertThat(exit).isEqualTo(Main.EXIT_CONFIGURATION);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("4 configuration problems (nothing was started)", "--port / STEADFAST_PORT: not a whole number: 'x'",
            "--max-connections / STEADFAST_MAX_CONNECTIONS: maxConnections must be positive: 0", "no token secret",
            "no publish API key");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void help_exitsWith0_printingUsage() throws Exception {
    int exit = run(Map.of(), "--help");

    assertThat(exit).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: steadfast-server", "STEADFAST_TOKEN_SECRET");
  }

  @Test
  void startupFails_exitsWith1_printingTheStartupReport() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int exit = run(Map.of("STEADFAST_ENVIRONMENT", "test"), "--bind-address", "127.0.0.1", "--port",
          Integer.toString(taken.getLocalPort()));

      assertThat(exit).isEqualTo(Main.EXIT_STARTUP_FAILED);
      assertThat(err.toString(StandardCharsets.UTF_8))
          .contains("startup FAILED", "websocket-listener", "Address already in use");
    }
  }
}
