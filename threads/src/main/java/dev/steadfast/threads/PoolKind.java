package dev.steadfast.threads;

/**
 * What kind of pool a {@link ThreadManager} pool is: a bare thread factory or one of the managed executors.
 *
 * <pre>{@code
 * manager.snapshot().pools().stream()
 *     .filter(p -> p.kind() == PoolKind.FIXED)
 *     .forEach(p -> System.out.println(p.name() + " queued " + p.queuedTasks()));
 * }</pre>
 */
public enum PoolKind {
  /** Threads from {@link ThreadManager#threadFactory(String)}, run by whoever asked for them. */
  FACTORY,
  /** A fixed number of pooled platform threads with a task queue. */
  FIXED,
  /** Platform threads created on demand and retired when idle. */
  CACHED,
  /** Pooled platform threads running delayed and periodic tasks. */
  SCHEDULED,
  /** One virtual thread per task (JDK 21+). */
  VIRTUAL
}
