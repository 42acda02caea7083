package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoThreadLeftBehind.class)
class ShutdownTest {

  @Test
  void close_terminatesEveryManagedThread() throws Exception {
    List<Thread> seen = new ArrayList<>();
    ThreadManager manager = ThreadManager.builder().shutdownTimeout(Duration.ofSeconds(20)).build();
    ExecutorService fixed = manager.pool("fixed").threads(2).fixed();
    ExecutorService cached = manager.pool("cached").cached();
    ScheduledExecutorService scheduled = manager.pool("scheduled").scheduled();
    ThreadFactory factory = manager.threadFactory("factory");
    CountDownLatch stop = new CountDownLatch(1);
    Thread bare = factory.newThread(() -> {
      try {
        stop.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the manager interrupts bare threads it has to stop
      }
    });
    bare.start();
    seen.add(bare);
    seen.add(fixed.submit(Thread::currentThread).get());
    seen.add(cached.submit(Thread::currentThread).get());
    seen.add(scheduled.schedule(Thread::currentThread, 1, TimeUnit.MILLISECONDS).get());
    scheduled.scheduleAtFixedRate(() -> { }, 0, 1, TimeUnit.MILLISECONDS);
    if (manager.virtualThreadsSupported()) {
      seen.add(manager.pool("virtual").virtual().submit(Thread::currentThread).get());
    }
    stop.countDown();

    ShutdownReport report = manager.shutdown();

    assertThat(report.isClean()).as(report.toString()).isTrue();
    assertThat(manager.liveThreads()).isEmpty();
    assertThat(seen).allSatisfy(t -> assertThat(t.isAlive()).as(t.getName()).isFalse());
    assertThat(manager.snapshot().liveThreads()).isZero();
    assertThat(report.toString()).contains("every managed thread ended");
  }

  @Test
  void close_reportsATaskThatIgnoresInterruption() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ThreadManager manager = ThreadManager.builder()
        .shutdownTimeout(Duration.ofMillis(200)).interruptTimeout(Duration.ofMillis(300)).build();
    ExecutorService pool = manager.pool("stubborn").threads(1).fixed();
    pool.execute(() -> ignoreInterruptsUntil(started, release));
    TestSupport.await(started);
    try {
      ShutdownReport report = manager.shutdown();

      assertThat(report.isClean()).isFalse();
      assertThat(report.interrupted()).containsExactly("stubborn");
      assertThat(report.stillRunning()).singleElement().satisfies(stuck -> {
        assertThat(stuck.pool()).isEqualTo("stubborn");
        assertThat(stuck.thread().name()).isEqualTo("stubborn-1");
        assertThat(stuck.thread().stack()).anyMatch(f -> f.getMethodName().equals("ignoreInterruptsUntil"));
      });
      assertThat(report.toString()).contains("1 thread(s) still running (they ignore interruption)")
          .contains("\"stubborn-1\"").contains("ignoreInterruptsUntil");
    } finally {
      // Lets the stubborn worker end, so this test leaves no thread behind: it needs no @LeakFree exclusion
      // (NoThreadLeftBehind waits up to 20 s for it before the @LeakFree check runs).
      release.countDown();
    }
  }

  @Test
  void close_isIdempotent_andLaterPoolsAndThreadsAreRejected() {
    ThreadManager manager = ThreadManager.builder().name("done").build();
    ThreadFactory factory = manager.threadFactory("late");
    ShutdownReport first = manager.shutdown();
    manager.close();

    assertThat(manager.shutdown()).isSameAs(first);
    assertThat(manager.isClosed()).isTrue();
    assertThatThrownBy(() -> manager.pool("new").threads(1).fixed())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ThreadManager 'done' is closed: cannot create pool 'new'");
    assertThatThrownBy(() -> factory.newThread(() -> { }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ThreadManager 'done' is closed: cannot create a thread for pool 'late'");
  }

  @Test
  void close_shutsPoolsDownInReverseCreationOrder() throws Exception {
    List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
    ThreadManager manager = ThreadManager.ofDefaults();
    ExecutorService first = manager.pool("first").threads(1).fixed();
    ExecutorService second = manager.pool("second").threads(1).fixed();
    CountDownLatch bothBusy = new CountDownLatch(2);
    first.execute(() -> sleepUntilShutdown(bothBusy, first, order, "first"));
    second.execute(() -> sleepUntilShutdown(bothBusy, second, order, "second"));
    TestSupport.await(bothBusy);

    manager.close();

    assertThat(order).containsExactly("second", "first");
  }

  /** Waits until its own pool is shut down, then records it: the order pools were shut down in. */
  private static void sleepUntilShutdown(CountDownLatch busy, ExecutorService own, List<String> order, String name) {
    busy.countDown();
    org.awaitility.Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(30)).until(own::isShutdown);
    order.add(name);
  }

  private static void ignoreInterruptsUntil(CountDownLatch started, CountDownLatch release) {
    started.countDown();
    while (true) {
      try {
        if (release.await(10, TimeUnit.SECONDS)) {
          return;
        }
      } catch (InterruptedException ignored) {
        // deliberately ignores interruption: what close() must report
      }
    }
  }
}
