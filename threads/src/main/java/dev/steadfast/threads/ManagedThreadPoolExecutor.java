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

  @Override
  public void setThreadFactory(ThreadFactory threadFactory) {
    throw pool.threadFactoryReplacementRejected();
  }

  @Override
  public String toString() {
    return pool + " " + super.toString();
  }
}
