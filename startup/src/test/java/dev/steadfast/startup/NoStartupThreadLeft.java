package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves behind any thread named with the startup's default prefix (pool, coordinator, abort
 * hooks, stop actions, shutdown hook): every thread the module starts must be gone once its tests are done.
 */
final class NoStartupThreadLeft implements AfterAllCallback {
  @Override
  public void afterAll(ExtensionContext context) {
    Awaitility.await("threads named " + StartupPlan.DEFAULT_THREAD_NAME_PREFIX + "* to end")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(liveThreads(StartupPlan.DEFAULT_THREAD_NAME_PREFIX)).isEmpty());
  }

  static List<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(prefix))
        .sorted()
        .toList();
  }
}
