package dev.steadfast.startup;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The startup's own bounded pool. Unlike a fixed pool, it creates a thread only when no idle one can take the step
 * (the queue refuses a task while every thread is busy, so the executor adds a worker up to the maximum), so a
 * 500-step plan that is 40 steps wide creates about 40 threads, not {@code parallelism}. When a step is abandoned
 * its thread is lost to the pool, so the maximum grows by one to keep the promised parallelism.
 */
final class StartupPool extends ThreadPoolExecutor {
  private static final long KEEP_ALIVE_SECONDS = 1;

  /** Tasks submitted and not yet finished, including the one being offered. */
  private final AtomicInteger inFlight = new AtomicInteger();

  private StartupPool(int parallelism, ThreadFactory factory, HandoffQueue queue) {
    super(0, parallelism, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, queue, factory, (task, pool) -> {
      if (pool.isShutdown()) {
        throw new RejectedExecutionException("the startup pool is shut down");
      }
      // Every thread exists and is busy: queue it; the coordinator never submits more than the parallelism.
      ((HandoffQueue) pool.getQueue()).force(task);
    });
    queue.pool = this;
  }

  static StartupPool create(int parallelism, ThreadFactory factory) {
    return new StartupPool(parallelism, factory, new HandoffQueue());
  }

  @Override
  public void execute(Runnable task) {
    inFlight.incrementAndGet();
    try {
      super.execute(() -> {
        try {
          task.run();
        } finally {
          inFlight.decrementAndGet();
        }
      });
    } catch (RejectedExecutionException e) {
      inFlight.decrementAndGet();
      throw e;
    }
  }

  /** A thread was abandoned by a step: keep the capacity the plan asked for. */
  void replaceAbandonedThread() {
    setMaximumPoolSize(getMaximumPoolSize() + 1);
  }

  /** Accepts a task only when an idle thread can take it; otherwise makes the pool add a thread. */
  static final class HandoffQueue extends LinkedBlockingQueue<Runnable> {
    private static final long serialVersionUID = 1L;
    private transient StartupPool pool;

    @Override
    public boolean offer(Runnable task) {
      if (pool.inFlight.get() <= pool.getPoolSize() || pool.getPoolSize() >= pool.getMaximumPoolSize()) {
        return super.offer(task);
      }
      return false;
    }

    void force(Runnable task) {
      super.offer(task);
    }
  }
}
