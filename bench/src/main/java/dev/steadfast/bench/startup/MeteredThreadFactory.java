package dev.steadfast.bench.startup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Creates named daemon threads and adds up the CPU time each one used over its whole life (read by the thread itself
 * just before it ends), so a benchmark can tell what a pool's threads cost.
 *
 * <pre>{@code
 * MeteredThreadFactory factory = new MeteredThreadFactory("steadfast-startup-bench");
 * ... run a startup with .threadFactory(factory) ...
 * factory.awaitAllEnded();
 * long cpuNanos = factory.cpuNanos();
 * }</pre>
 */
public final class MeteredThreadFactory implements ThreadFactory {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final String prefix;
  private final AtomicInteger counter = new AtomicInteger();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final List<Thread> created = new CopyOnWriteArrayList<>();

  /** @param prefix thread name prefix */
  public MeteredThreadFactory(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread t = new Thread(() -> {
      try {
        task.run();
      } finally {
        cpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime());
      }
    }, prefix + "-" + counter.incrementAndGet());
    t.setDaemon(true);
    created.add(t);
    return t;
  }

  /**
   * Waits until every thread created so far has ended.
   *
   * @throws InterruptedException when interrupted
   */
  public void awaitAllEnded() throws InterruptedException {
    for (Thread t : created) {
      t.join();
    }
  }

  /** @return CPU time used by the threads that have ended */
  public long cpuNanos() {
    return cpuNanos.get();
  }

  /** @return threads created */
  public int threadsCreated() {
    return created.size();
  }
}
