package dev.steadfast.threads;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of closing a {@link ThreadManager}: how long it took and which threads were still running at the end.
 *
 * <pre>{@code
 * ShutdownReport report = manager.shutdown();
 * if (!report.isClean()) {
 *   log.error("{}", report);
 * }
 * }</pre>
 *
 * @param manager the manager's name
 * @param took how long shutdown took
 * @param interrupted pools that did not finish within the shutdown timeout and were interrupted
 *     ({@code shutdownNow}), in shutdown order
 * @param stillRunning threads alive after the interrupt timeout too, with their stacks
 */
public record ShutdownReport(String manager, Duration took, List<String> interrupted, List<StuckThread> stillRunning) {

  /**
   * Copies the lists.
   *
   * @throws NullPointerException on a null component
   */
  public ShutdownReport {
    Objects.requireNonNull(manager, "manager");
    Objects.requireNonNull(took, "took");
    interrupted = List.copyOf(interrupted);
    stillRunning = List.copyOf(stillRunning);
  }

  /**
   * Whether every managed thread ended.
   *
   * @return true when nothing is still running
   */
  public boolean isClean() {
    return stillRunning.isEmpty();
  }

  /** @return one summary line, then each thread still running with its stack */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("ThreadManager '").append(manager).append("' shut down in ")
        .append(took.toMillis()).append(" ms");
    if (!interrupted.isEmpty()) {
      out.append("; interrupted pools ").append(interrupted).append(" after the shutdown timeout");
    }
    if (stillRunning.isEmpty()) {
      return out.append("; every managed thread ended").toString();
    }
    out.append("; ").append(stillRunning.size()).append(" thread(s) still running (they ignore interruption):\n");
    stillRunning.forEach(s -> out.append(s).append('\n'));
    return out.toString();
  }
}
