package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a thread running: every thread alive after the test (within a grace period) must have been
 * alive before it, apart from the JVM's own lazily started helpers.
 */
final class NoThreadLeftBehind implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoThreadLeftBehind.class);
  /**
   * JVM/JDK helper threads that start on first use and are the JDK's to stop (virtual-thread carriers are
   * {@code ForkJoinPool-1-worker-n}; this module starts no ForkJoinPool of its own).
   */
  private static final List<String> JVM_HELPERS = List.of("process reaper", "ForkJoinPool.commonPool-worker-",
      "ForkJoinPool-", "VirtualThread-unblocker", "Attach Listener", "Common-Cleaner", "InnocuousThread-",
      "surefire-forkedjvm-");

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NAMESPACE).put("before", Set.copyOf(Thread.getAllStackTraces().keySet()));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    @SuppressWarnings("unchecked")
    Set<Thread> before = (Set<Thread>) context.getStore(NAMESPACE).get("before", Set.class);
    await("threads started by the test to end").pollInSameThread().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(newThreads(before)).isEmpty());
  }

  private static List<String> newThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !before.contains(t))
        .map(Thread::getName)
        .filter(n -> JVM_HELPERS.stream().noneMatch(n::startsWith))
        .collect(Collectors.toList());
  }
}
