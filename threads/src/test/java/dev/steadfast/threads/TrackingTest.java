package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoThreadLeftBehind.class)
class TrackingTest {

  @Test
  void threadFactory_namesThreadsPoolDashNumber_andSetsDaemon() throws Exception {
    try (ThreadManager manager = ThreadManager.builder().daemon(false).build()) {
      ThreadFactory factory = manager.threadFactory("io");
      Thread first = factory.newThread(() -> { });
      Thread second = factory.newThread(() -> { });
      ExecutorService daemons = manager.pool("bg").threads(1).daemon(true).fixed();

      assertThat(first.getName()).isEqualTo("io-1");
      assertThat(second.getName()).isEqualTo("io-2");
      assertThat(first.isDaemon()).isFalse();
      assertThat(daemons.submit(() -> Thread.currentThread().isDaemon()).get()).isTrue();
    }
  }

  @Test
  void uncaughtException_isReportedAndCounted() throws Exception {
    List<String> reported = new CopyOnWriteArrayList<>();
    try (ThreadManager manager = ThreadManager.builder()
        .uncaughtExceptionHandler((t, e) -> reported.add(t.getName() + ": " + e.getMessage())).build()) {
      Thread t = manager.threadFactory("crashing").newThread(() -> {
        throw new IllegalStateException("boom");
      });
      t.start();
      t.join();

      assertThat(reported).containsExactly("crashing-1: boom");
      assertThat(manager.snapshot().pool("crashing").orElseThrow().uncaughtExceptions()).isEqualTo(1);
    }
  }

  @Test
  void tracking_doesNotRetainTerminatedThreads() throws Exception {
    try (ThreadManager manager = ThreadManager.builder().captureCreationSite(true).build()) {
      WeakReference<Thread> ended = runToEnd(manager.threadFactory("short-lived"));

      assertThat(TestSupport.collected(ended)).as("terminated thread collected despite tracking").isTrue();
      PoolStatistics stats = manager.snapshot().pool("short-lived").orElseThrow();
      assertThat(stats.created()).isEqualTo(1);
      assertThat(stats.terminated()).isEqualTo(1);
      assertThat(stats.live()).isZero();
    }
  }

  @Test
  void tracking_doesNotRetainRetiredPoolWorkers() throws Exception {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      ExecutorService cached = manager.pool("idle").keepAlive(Duration.ofMillis(20)).cached();
      WeakReference<Thread> worker = new WeakReference<>(cached.submit(Thread::currentThread).get());
      await().atMost(Duration.ofSeconds(30)).until(() -> manager.liveThreads().isEmpty());

      assertThat(TestSupport.collected(worker)).as("retired worker collected").isTrue();
      assertThat(manager.snapshot().pool("idle").orElseThrow().terminated()).isEqualTo(1);
    }
  }

  @Test
  void tracking_forgetsThreadsThatWereNeverStarted() {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      WeakReference<Thread> unstarted = new WeakReference<>(manager.threadFactory("unused").newThread(() -> { }));

      assertThat(TestSupport.collected(unstarted)).as("never-started thread collected").isTrue();
      manager.threadFactory("trigger-prune").newThread(() -> { });
      assertThat(manager.snapshot().pool("unused").orElseThrow().live()).isZero();
      assertThat(manager.liveThreads()).isEmpty();
    }
  }

  @Test
  void statistics_countCreatedLivePeakAndTerminated() throws Exception {
    ThreadManager manager = ThreadManager.ofDefaults();
    ExecutorService pool = manager.pool("counted").threads(3).fixed();
    java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      pool.execute(() -> {
        all.countDown();
        TestSupport.await(all);
      });
    }
    TestSupport.await(all);
    PoolStatistics running = manager.snapshot().pool("counted").orElseThrow();
    manager.close();
    PoolStatistics closed = manager.snapshot().pool("counted").orElseThrow();

    assertThat(running.created()).isEqualTo(3);
    assertThat(running.live()).isEqualTo(3);
    assertThat(running.peak()).isEqualTo(3);
    assertThat(running.kind()).isEqualTo(PoolKind.FIXED);
    assertThat(closed.terminated()).isEqualTo(3);
    assertThat(closed.live()).isZero();
    assertThat(closed.peak()).isEqualTo(3);
    assertThat(manager.snapshot().toString()).startsWith("ThreadManager 'threads', ThreadLocal hygiene available")
        .contains("\n  counted (fixed): live 0, peak 3, created 3, terminated 3, tasks 3, queued 0");
  }

  @Test
  void creationSite_whenCaptured_namesTheCreatingCode() {
    try (ThreadManager manager = ThreadManager.builder().captureCreationSite(true).build()) {
      Thread t = manager.threadFactory("sited").newThread(() -> { });

      assertThat(manager.creationSite(t)).hasValueSatisfying(site -> {
        assertThat(site.get(0).getMethodName()).isEqualTo("creationSite_whenCaptured_namesTheCreatingCode");
      });
    }
  }

  @Test
  void creationSite_whenNotCaptured_isEmpty() {
    try (ThreadManager manager = ThreadManager.builder().captureCreationSite(false).build()) {
      Thread t = manager.threadFactory("unsited").newThread(() -> { });

      assertThat(manager.creationSite(t)).isEmpty();
    }
  }

  @Test
  void virtualPool_onJdk21_namesAndTracksItsThreads() throws Exception {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      org.junit.jupiter.api.Assumptions.assumeTrue(manager.virtualThreadsSupported(), "virtual threads need JDK 21+");
      ExecutorService virtual = manager.pool("vt").virtual();
      String name = virtual.submit(() -> Thread.currentThread().getName()).get();

      assertThat(name).isEqualTo("vt-1");
      await().atMost(Duration.ofSeconds(30))
          .until(() -> manager.snapshot().pool("vt").orElseThrow().terminated() == 1);
      assertThat(manager.snapshot().pool("vt").orElseThrow().tasksCompleted()).isEqualTo(1);
    }
  }

  private static WeakReference<Thread> runToEnd(ThreadFactory factory) throws InterruptedException {
    Thread t = factory.newThread(() -> { });
    t.start();
    t.join();
    return new WeakReference<>(t);
  }
}
