package dev.steadfast.threads;

import dev.steadfast.diagnostics.ThreadSnapshot;
import java.util.List;
import java.util.Objects;

/**
 * A managed thread still running when {@link ThreadManager#shutdown()} gave up waiting for it (typically a task that
 * ignores interruption).
 *
 * <pre>{@code
 * ShutdownReport report = manager.shutdown();
 * report.stillRunning().forEach(stuck -> log.error("did not stop:\n{}", stuck));
 * }</pre>
 *
 * @param pool the pool name
 * @param thread the thread's state and stack at the end of shutdown
 * @param creationSite where the thread was created; empty unless creation-site capture is on
 */
public record StuckThread(String pool, ThreadSnapshot thread, List<StackTraceElement> creationSite) {

  /**
   * Validates and copies the components.
   *
   * @throws NullPointerException on a null component
   */
  public StuckThread {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(thread, "thread");
    creationSite = List.copyOf(creationSite);
  }

  /** @return pool and thread, the jstack-like stack, then the creation site if captured */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("pool '").append(pool).append("': ").append(thread);
    if (!creationSite.isEmpty()) {
      out.append("  created at:\n");
      creationSite.forEach(f -> out.append("\tat ").append(f).append('\n'));
    }
    return out.toString();
  }
}
