package dev.steadfast.threads;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of a {@link ThreadManager}: whether ThreadLocal hygiene works in this JVM, and every pool's
 * counters, in creation order.
 *
 * <pre>{@code
 * ThreadStatistics stats = manager.snapshot();
 * stats.threadLocalHygieneUnavailableReason().ifPresent(log::warn);
 * stats.pools().forEach(p -> log.info("{}: {} live, {} tasks", p.name(), p.live(), p.tasksCompleted()));
 * }</pre>
 *
 * @param manager the manager's name
 * @param threadLocalHygieneAvailable whether ThreadLocal maps can be read (the JVM has the add-opens flag)
 * @param threadLocalHygieneUnavailableReason why not, naming the flag to add; empty when available
 * @param pools every pool, in creation order
 */
public record ThreadStatistics(String manager, boolean threadLocalHygieneAvailable,
    Optional<String> threadLocalHygieneUnavailableReason, List<PoolStatistics> pools) {

  /**
   * Copies the pool list.
   *
   * @throws NullPointerException on a null component
   */
  public ThreadStatistics {
    Objects.requireNonNull(manager, "manager");
    Objects.requireNonNull(threadLocalHygieneUnavailableReason, "threadLocalHygieneUnavailableReason");
    pools = List.copyOf(pools);
  }

  /**
   * One pool's counters.
   *
   * @param name the pool name
   * @return its statistics, or empty when there is no such pool
   */
  public Optional<PoolStatistics> pool(String name) {
    return pools.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /**
   * A readable summary for logs: one header line, then one line per pool.
   *
   * @return e.g. {@code ThreadManager 'orders', ThreadLocal hygiene available} followed by
   *     {@code   http (fixed): live 16, peak 16, created 16, terminated 0, tasks 12034, queued 3, ...}
   */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("ThreadManager '").append(manager).append("', ThreadLocal hygiene ")
        .append(threadLocalHygieneAvailable ? "available" : "unavailable: " + threadLocalHygieneUnavailableReason
            .orElse(""));
    for (PoolStatistics p : pools) {
      out.append("\n  ").append(p.name()).append(" (").append(p.kind().name().toLowerCase(java.util.Locale.ROOT))
          .append("): live ").append(p.live()).append(", peak ").append(p.peak()).append(", created ")
          .append(p.created()).append(", terminated ").append(p.terminated()).append(", tasks ")
          .append(p.tasksCompleted()).append(", queued ").append(p.queuedTasks()).append(", ThreadLocals removed ")
          .append(p.threadLocalsRemoved()).append(" restored ").append(p.threadLocalsRestored())
          .append(", hygiene failures ").append(p.hygieneFailures()).append(", renewals ").append(p.renewals())
          .append(", stale ").append(p.staleThreadsFound()).append(", uncaught ").append(p.uncaughtExceptions());
      if (p.hygieneFallback()) {
        out.append(", renewing instead of hygiene");
      }
    }
    return out.toString();
  }

  /**
   * Threads of all pools running now.
   *
   * @return the sum of {@link PoolStatistics#live()}
   */
  public long liveThreads() {
    return pools.stream().mapToLong(PoolStatistics::live).sum();
  }
}
