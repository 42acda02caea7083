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

  @Override
  public void setThreadFactory(ThreadFactory threadFactory) {
    throw pool.threadFactoryReplacementRejected();
  }

  @Override
  public String toString() {
    return pool + " " + super.toString();
  }
}
