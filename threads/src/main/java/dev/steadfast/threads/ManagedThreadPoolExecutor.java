package dev.steadfast.threads;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A fixed or cached pool whose workers get ThreadLocal hygiene and renewal from their {@link Pool}. */
final class ManagedThreadPoolExecutor extends ThreadPoolExecutor {
  private final Pool pool;

  ManagedThreadPoolExecutor(Pool pool, int core, int max, long keepAliveNanos, BlockingQueue<Runnable> queue) {
    super(core, max, keepAliveNanos, TimeUnit.NANOSECONDS, queue, pool);
    this.pool = pool;
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
