package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStartupThreadLeft.class)
class StartupPoolTest {
  private static final int HAND_OVERS = 2_000;
  private static final Duration TEST_BUDGET = Duration.ofSeconds(3);

  private static ThreadFactory daemons() {
    AtomicInteger counter = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, StartupPlan.DEFAULT_THREAD_NAME_PREFIX + "-pool-test-" + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The lost-step race: a worker whose idle timeout expires while a step is handed over must not be counted as the
   * one that takes it. With a 1 ms idle timeout, workers retire all the time; one worker is kept busy (like a step
   * thread running a chain of steps) so a stranded step would wait for it forever.
   */
  @Test
  void stepHandedOverWhileAWorkerRetires_runsAtOnce_notAfterTheBusyWorker() throws InterruptedException {
    StartupPool pool = StartupPool.create(4, daemons(), Duration.ofMillis(1), task -> { });
    CountDownLatch busy = new CountDownLatch(1);
    try {
      pool.execute(() -> {
        try {
          busy.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      long end = System.nanoTime() + TEST_BUDGET.toNanos();
      for (int i = 0; i < HAND_OVERS && System.nanoTime() - end < 0; i++) {
        CountDownLatch ran = new CountDownLatch(1);
        pool.execute(ran::countDown);
        assertThat(ran.await(2, TimeUnit.SECONDS)).as("hand-over %d ran while one worker was busy", i).isTrue();
        // Vary how long the pool stays idle, so hand-overs land before, during and after a worker's retirement.
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(2)));
      }
    } finally {
      busy.countDown();
      pool.shutdown();
    }
  }
}
