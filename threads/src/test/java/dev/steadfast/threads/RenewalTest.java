package dev.steadfast.threads;

import static dev.steadfast.threads.ThreadLocalHygieneTest.awaitCompleted;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoThreadLeftBehind.class)
class RenewalTest {

  @Test
  void renewAfterTasks_replacesWorkersWithoutLosingATask() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    Set<String> workers = ConcurrentHashMap.newKeySet();
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      // One worker, so no renewal is ever deferred behind another one: exactly one renewal per 10 tasks.
      ExecutorService pool = manager.pool("renewing").threads(1).renewAfterTasks(10).fixed();
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        futures.add(pool.submit(() -> {
          ran.incrementAndGet();
          workers.add(Thread.currentThread().getName());
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      awaitCompleted(manager, "renewing", 1_000);

      assertThat(ran).hasValue(1_000);
      PoolStatistics stats = manager.snapshot().pool("renewing").orElseThrow();
      assertThat(stats.renewals()).isEqualTo(100);
      assertThat(workers).hasSize(100).allMatch(n -> n.matches("renewing-\\d+"));
      assertThat(stats.created()).isEqualTo(101);
      assertThat(stats.tasksCompleted()).isEqualTo(1_000);
      org.awaitility.Awaitility.await().until(() -> manager.snapshot().pool("renewing").orElseThrow().live() == 1);
    }
  }

  @Test
  void renewalsInABusyPool_loseNoTaskAndKeepThePoolSize() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      ExecutorService pool = manager.pool("busy-renewing").threads(3).renewAfterTasks(20).fixed();
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        futures.add(pool.submit(ran::incrementAndGet));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      awaitCompleted(manager, "busy-renewing", 3_000);

      assertThat(ran).hasValue(3_000);
      PoolStatistics stats = manager.snapshot().pool("busy-renewing").orElseThrow();
      assertThat(stats.renewals()).isPositive();
      assertThat(stats.created()).as("each renewal starts exactly one replacement").isEqualTo(stats.renewals() + 3);
      org.awaitility.Awaitility.await().until(() -> manager.snapshot().pool("busy-renewing").orElseThrow().live() == 3);
    }
  }

  @Test
  void executeWithAFailingTask_replacesTheWorkerAndReportsTheException() throws Exception {
    List<Throwable> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (ThreadManager manager = ThreadManager.builder().uncaughtExceptionHandler((t, e) -> reported.add(e)).build()) {
      ExecutorService pool = manager.pool("failing").threads(1).fixed();
      pool.execute(() -> {
        throw new IllegalStateException("task failed on purpose");
      });
      String next = pool.submit(() -> Thread.currentThread().getName()).get();

      assertThat(next).isEqualTo("failing-2");
      org.awaitility.Awaitility.await().until(() -> !reported.isEmpty());
      assertThat(reported).singleElement().extracting(Throwable::getMessage).isEqualTo("task failed on purpose");
      assertThat(manager.snapshot().pool("failing").orElseThrow().uncaughtExceptions()).isEqualTo(1);
    }
  }
}
