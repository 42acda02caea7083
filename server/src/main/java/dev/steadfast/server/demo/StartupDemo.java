package dev.steadfast.server.demo;

import dev.steadfast.startup.Environment;
import dev.steadfast.startup.ShutdownReport;
import dev.steadfast.startup.Startup;
import dev.steadfast.startup.StartupOutcome;
import dev.steadfast.startup.StartupPlan;
import dev.steadfast.startup.StartupReport;
import java.io.PrintStream;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A runnable example of Steadfast startup: a small realistic service (configuration, database pool, cache, message
 * consumer, HTTP server, and an optional recommendations client whose backend is down) started with simulated work,
 * then stopped; prints the startup and shutdown reports. The service degrades instead of failing, because the
 * recommendations step is optional and the HTTP server declared it can start without it.
 *
 * <p>It stands alone: the reference service ({@code Main}, {@code bin/steadfast-server}) builds its own plan and
 * does not run this class.
 *
 * <pre>{@code
 * mvn -q -o -pl server exec:java -Dexec.mainClass=dev.steadfast.server.demo.StartupDemo
 * }</pre>
 */
public final class StartupDemo {
  private StartupDemo() {}

  /**
   * Runs the demo and exits with {@link #run(PrintStream)}'s code when it is not 0.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    int code = run(System.out);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Starts the demo plan, prints its report as text, stops it and prints the shutdown report.
   *
   * @param out where to print
   * @return 0 when the service came up (ready or degraded), 1 when startup failed
   */
  public static int run(PrintStream out) {
    AtomicInteger pings = new AtomicInteger();
    StartupPlan plan = StartupPlan.builder()
        .environment(Environment.DEVELOPMENT)
        .phase("config").phase("infrastructure").phase("service")
        .totalTimeout(Duration.ofSeconds(10))
        .step("config", s -> s.phase("config").start(ctx -> work(40)))
        .step("database-pool", s -> s.phase("infrastructure").dependsOn("config")
            .start(ctx -> work(120))
            .readiness(() -> pings.incrementAndGet() >= 3)   // the pool needs a few pings to fill
            .stop(() -> work(30)))
        .step("cache", s -> s.phase("infrastructure").dependsOn("config")
            .start(ctx -> work(80))
            .stop(() -> work(10)))
        .step("recommendations", s -> s.phase("infrastructure").optional().dependsOn("config")
            .retry(3, Duration.ofMillis(50))
            .start(ctx -> {
              work(20);
              throw new ConnectException("recommendations.internal:8443: connection refused");
            }))
        .step("message-consumer", s -> s.phase("service").dependsOn("database-pool", "cache")
            .start(ctx -> work(60))
            .stop(() -> work(20)))
        .step("http-server", s -> s.phase("service").dependsOn("database-pool", "message-consumer")
            .dependsOnOptionally("recommendations")
            .start(ctx -> work(50))
            .stop(() -> work(15)))
        .build();
    Startup startup = plan.start();
    StartupReport report = startup.report();
    out.println(report);
    ShutdownReport shutdown = startup.stop();
    out.println(shutdown);
    return report.outcome() == StartupOutcome.FAILED ? 1 : 0;
  }

  private static void work(long millis) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(millis);
  }
}
