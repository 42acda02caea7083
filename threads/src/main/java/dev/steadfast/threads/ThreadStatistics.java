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
   * Threads of all pools running now.
   *
   * @return the sum of {@link PoolStatistics#live()}
   */
  public long liveThreads() {
    return pools.stream().mapToLong(PoolStatistics::live).sum();
  }
}
