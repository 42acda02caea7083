package dev.steadfast.server;

import dev.steadfast.startup.StartupFailedException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command-line entry point of the Steadfast reference service (the README's main job): reads flags and
 * {@code STEADFAST_*} environment variables, starts a {@link SteadfastServer}, and shuts it down gracefully on
 * SIGTERM or Ctrl-C.
 *
 * <p>Exit codes: 0 after a clean shutdown (SIGTERM, Ctrl-C) or {@code --help}; 1 when startup failed (the startup
 * report is logged); 2 when the configuration is wrong (every problem is printed, nothing is started). A signal
 * normally ends a JVM with 128 + its number after the shutdown hooks ran; here the hook stops the service, waits for
 * every step to stop, and then ends the process with 0, the documented code for a clean shutdown.
 *
 * <p>{@code steadfast-server token ...} issues a client token instead ({@link TokenCommand}).
 *
 * <pre>{@code
 * bin/steadfast-server --environment development         # builds the jar if needed, then execs java -jar
 * java -jar server/target/steadfast-server.jar --help
 * STEADFAST_TOKEN_SECRET_FILE=/run/secrets/jwt STEADFAST_PUBLISH_API_KEY=... java -jar steadfast-server.jar
 * }</pre>
 */
public final class Main {
  /** Exit code when startup failed. */
  public static final int EXIT_STARTUP_FAILED = 1;
  /** Exit code when the configuration is wrong. */
  public static final int EXIT_CONFIGURATION = 2;

  private Main() {}

  /**
   * Starts the service and returns when it has been shut down.
   *
   * @param args command-line flags, see {@code --help}
   * @throws InterruptedException if interrupted while waiting for shutdown
   */
  public static void main(String[] args) throws InterruptedException {
    int exit = run(args, System.getenv(), System.out, System.err, true);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  /** Runs like {@link #main} without ever ending the JVM (tests). */
  static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err)
      throws InterruptedException {
    return run(args, environment, out, err, false);
  }

  private static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err,
      boolean exitZeroAfterSignal) throws InterruptedException {
    if (args.length > 0 && TokenCommand.NAME.equals(args[0])) {
      return TokenCommand.run(Arrays.copyOfRange(args, 1, args.length), environment, out, err);
    }
    ServerCommandLine line;
    try {
      line = ServerCommandLine.parse(args, environment);
    } catch (ConfigurationException e) {
      err.println(e.getMessage());
      return EXIT_CONFIGURATION;
    }
    if (line.helpRequested()) {
      out.println(line.usage());
      return 0;
    }
    if (exitZeroAfterSignal) {
      // Only the real process owns the logging configuration; tests embedding Main keep theirs.
      line.logSettings().apply();
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    line.warnings().forEach(warning -> log.warn("{}", warning));
    log.info("starting in the {} environment with {}", line.environment(), line.config());
    SteadfastServer server;
    try {
      server = SteadfastServer.start(line.config(), line.environment());
    } catch (StartupFailedException e) {
      // The full report was logged by the server; repeat the one-line summary where the exit code is read.
      err.println(e.getMessage() + " (the startup report is logged above)");
      return EXIT_STARTUP_FAILED;
    }
    Thread hook = new Thread(() -> {
      server.stop();
      if (exitZeroAfterSignal) {
        out.flush();
        err.flush();
        // Every step has stopped and the shutdown is logged: end with the documented 0 instead of 128 + signal.
        Runtime.getRuntime().halt(0);
      }
    }, "server-shutdown-hook");
    Runtime.getRuntime().addShutdownHook(hook);
    if (line.logSettings().isJson()) {
      // Standard output stays one JSON object per line: the banner is an event like any other.
      log.info("{}", banner(server, line.config()));
    } else {
      out.println(banner(server, line.config()));
    }
    server.awaitStopped();
    return 0;
  }

  static String banner(SteadfastServer server, ServerConfig config) {
    String bind = config.hub().bindAddress();
    String host = "0.0.0.0".equals(bind) ? "localhost" : bind;
    String base = host + ":" + server.port();
    StringBuilder text = new StringBuilder();
    text.append("Steadfast server ").append(server.state()).append(" on ws://").append(base).append("/ws")
        .append("  (dashboard: http://").append(base).append("/, health: ").append(HealthRoutes.READY)
        .append(", metrics: ").append(HealthRoutes.METRICS)
        .append(", startup report: ").append(HealthRoutes.STARTUP_REPORT).append(')');
    Credentials credentials = server.credentials();
    if (credentials.isDevelopment()) {
      String rule = "=".repeat(100);
      text.append('\n').append(rule)
          .append("\n DEVELOPMENT ONLY - generated credentials, valid for this process only; never use in production");
      credentials.developmentToken().ifPresent(token -> text
          .append("\n token (subscribe and publish on every topic, valid ")
          .append(Duration.ofHours(24).toHours()).append(" h):\n   ").append(token)
          .append("\n connect: ws://").append(base).append("/ws?access_token=").append(token));
      credentials.developmentPublishApiKey().ifPresent(key -> text
          .append("\n publish API key: ").append(key)
          .append("\n   curl -H 'X-Api-Key: ").append(key).append("' -d '{\"topic\":\"room:1\",\"payload\":{\"text\":\"hi\"}}' http://")
          .append(base).append("/api/publish"));
      if (credentials.developmentToken().isPresent() && credentials.developmentPublishApiKey().isPresent()) {
        // In the fragment, which the browser never sends: the page fills its token and key fields from it.
        text.append("\n dashboard with both filled in: http://").append(base).append("/#token=")
            .append(credentials.developmentToken().get()).append("&key=")
            .append(credentials.developmentPublishApiKey().get());
      }
      text.append('\n').append(rule);
    }
    return text.toString();
  }
}
