package dev.steadfast.threads;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;

/** A scheduled pool whose workers get ThreadLocal hygiene and renewal from their {@link Pool}. */
final class ManagedScheduledThreadPoolExecutor extends ScheduledThreadPoolExecutor {
  private final Pool pool;

  ManagedScheduledThreadPoolExecutor(Pool pool, int threads) {
    super(threads, pool);
    this.pool = pool;
    // Cancelled periodic tasks would otherwise sit in the queue (holding what they capture) until their time comes.
    setRemoveOnCancelPolicy(true);
  }

  @Override
  protected void beforeExecute(Thread thread, Runnable task) {
    pool.beforeExecute(thread);
  }

  @Override
  protected void afterExecute(Runnable task, Throwable thrown) {
    pool.afterExecute(thrown);
  }

  /** Workers must come from the manager, or they escape tracking and hygiene. */
  @Override
  public void setThreadFactory(ThreadFactory threadFactory) {
    throw new UnsupportedOperationException("pool '" + pool.name + "' is managed by ThreadManager '"
        + pool.manager.name() + "'; its thread factory cannot be replaced");
  }

  @Override
  public String toString() {
    return "pool '" + pool.name + "' " + super.toString();
  }
}
