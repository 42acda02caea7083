package dev.steadfast.startup;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * Where one run's steps execute: the caller's executor, or the startup's own {@link StartupPool} (created with the
 * caller's thread factory or named daemon threads) that the run shuts down when it ends.
 *
 * <pre>{@code
 * RunExecutor executor = RunExecutor.open(plan, observer, task -> indexOf(task));
 * try { executor.execute(task); } finally { executor.close(); }
 * }</pre>
 */
final class RunExecutor implements Executor {
  private final Executor executor;
  /** The startup's own pool; null when the plan runs on the caller's executor. */
  private final StartupPool pool;
  private final boolean renamesThreads;

  private RunExecutor(Executor executor, StartupPool pool, boolean renamesThreads) {
    this.executor = executor;
    this.pool = pool;
    this.renamesThreads = renamesThreads;
  }

  /**
   * @param stepOf the index of the step a submitted task runs, for the observer's hand-over calls
   */
  static RunExecutor open(StartupPlan plan, RunObserver observer, ToIntFunction<Runnable> stepOf) {
    if (plan.executor().isPresent()) {
      return new RunExecutor(plan.executor().get(), null, false);
    }
    ThreadFactory factory = plan.threadFactory().orElse(null);
    boolean rename = factory == null;
    if (rename) {
      AtomicInteger counter = new AtomicInteger();
      String prefix = plan.threadNamePrefix();
      factory = r -> {
        Thread t = new Thread(r, prefix + "-" + counter.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }
    StartupPool pool = StartupPool.create(plan.parallelism(), factory, plan.poolIdleTimeout(),
        observer == RunObserver.NONE ? task -> { } : task -> observer.handingOver(stepOf.applyAsInt(task)));
    observer.poolOpened(pool);
    return new RunExecutor(pool, pool, rename);
  }

  @Override
  public void execute(Runnable task) {
    executor.execute(task);
  }

  /** Whether the steps run on the startup's own pool (which reports its hand-overs itself). */
  boolean ownPool() {
    return pool != null;
  }

  /** Whether step threads are ours, named {@code <prefix>-N}, and renamed {@code <prefix>-N:<step>} while running one. */
  boolean renamesThreads() {
    return renamesThreads;
  }

  /** A step thread was abandoned: the own pool replaces it so the plan keeps its parallelism. */
  void replaceAbandonedThread() {
    if (pool != null) {
      pool.replaceAbandonedThread();
    }
  }

  /**
   * Shuts the own pool down (never the caller's executor). Idle workers are woken and end within moments; waiting for
   * them would add their exit to every startup's wall time. Abandoned workers end whenever their step does (daemons).
   */
  void close() {
    if (pool != null) {
      pool.shutdown();
    }
  }
}
