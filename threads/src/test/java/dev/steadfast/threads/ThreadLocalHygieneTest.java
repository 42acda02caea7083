package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.diagnostics.ThreadLocalEntry;
import dev.steadfast.diagnostics.ThreadLocalMaps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoThreadLeftBehind.class)
class ThreadLocalHygieneTest {
  private static final ThreadLocalMaps MAPS = ThreadLocalMaps.create();

  @Test
  void hygiene_removesAddedRestoresReplacedAndKeepsPreExisting() throws Exception {
    InheritableThreadLocal<String> replaced = new InheritableThreadLocal<>();
    InheritableThreadLocal<String> removedByTask = new InheritableThreadLocal<>();
    InheritableThreadLocal<String> untouched = new InheritableThreadLocal<>();
    ThreadLocal<String> added = new ThreadLocal<>();
    ThreadLocal<String> libraryCache = new ThreadLocal<>();
    try (ThreadManager manager = ThreadManager.builder()
        .keepAddedThreadLocals(e -> e.threadLocal() == libraryCache).build()) {
      ExecutorService pool = manager.pool("hygiene").threads(1).fixed();
      // The worker is created by this thread's first submit and inherits these: its pre-task state.
      replaced.set("original");
      removedByTask.set("kept value");
      untouched.set("cache");
      try {
        pool.submit(() -> { }).get();
      } finally {
        replaced.remove();
        removedByTask.remove();
        untouched.remove();
      }
      pool.submit(() -> {
        replaced.set("changed by task");
        removedByTask.remove();
        added.set("left behind");
        libraryCache.set("warm");
      }).get();

      Map<ThreadLocal<?>, Object> after = pool.submit(ThreadLocalHygieneTest::currentEntries).get();
      awaitCompleted(manager, "hygiene", 3);

      assertThat(after).containsEntry(replaced, "original").containsEntry(removedByTask, "kept value")
          .containsEntry(untouched, "cache").containsEntry(libraryCache, "warm").doesNotContainKey(added);
      PoolStatistics stats = manager.snapshot().pool("hygiene").orElseThrow();
      assertThat(stats.threadLocalsRemoved()).isEqualTo(1);
      assertThat(stats.threadLocalsRestored()).isEqualTo(2);
      assertThat(stats.hygieneFailures()).isZero();
      assertThat(stats.renewals()).isZero();
    }
  }

  @Test
  void tasksThatCleanUpAfterThemselves_countNothing() throws Exception {
    ThreadLocal<String> local = new ThreadLocal<>();
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      ExecutorService pool = manager.pool("tidy").threads(2).fixed();
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        done.add(pool.submit(() -> {
          local.set("mine");
          local.remove();
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      awaitCompleted(manager, "tidy", 1_000);
      PoolStatistics stats = manager.snapshot().pool("tidy").orElseThrow();
      assertThat(stats.threadLocalsRemoved()).isZero();
      assertThat(stats.threadLocalsRestored()).isZero();
    }
  }

  @Test
  void hundredThousandTasksSettingThreadLocals_leaveNoGrowthInWorkersMaps() throws Exception {
    ThreadLocal<Object> shared = new ThreadLocal<>();
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      ExecutorService pool = manager.pool("busy").threads(2).fixed();
      List<Future<?>> warmUp = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        warmUp.add(pool.submit(() -> { }));
      }
      for (Future<?> f : warmUp) {
        f.get();
      }
      List<Thread> workers = manager.liveThreads();
      assertThat(workers).hasSize(2);
      Map<Thread, Integer> baseline = new HashMap<>();
      workers.forEach(w -> baseline.put(w, MAPS.entryCount(w)));

      int tasks = 100_000;
      // A fresh ThreadLocal per task, dropped at once: the classic leak. Some are collected while hygiene restores the
      // map; each must still be counted removed exactly once.
      Future<?> last = null;
      for (int i = 0; i < tasks; i++) {
        last = pool.submit(() -> {
          shared.set(new byte[64]);
          ThreadLocal<Object> perTask = new ThreadLocal<>();
          perTask.set(new byte[64]);
        });
      }
      last.get();
      awaitCompleted(manager, "busy", tasks + 100);

      assertThat(manager.liveThreads()).containsExactlyInAnyOrderElementsOf(workers);
      for (Thread w : workers) {
        assertThat(MAPS.entryCount(w)).as("entries of %s", w.getName()).isEqualTo(baseline.get(w));
        assertThat(MAPS.staleEntryCount(w)).as("stale entries of %s", w.getName()).isZero();
      }
      PoolStatistics stats = manager.snapshot().pool("busy").orElseThrow();
      assertThat(stats.threadLocalsRemoved()).isEqualTo(2L * tasks);
      assertThat(stats.renewals()).isZero();
    }
  }

  @Test
  void entryHygieneCannotRemove_getsTheWorkerRenewed() throws Exception {
    ThreadLocal<String> stubborn = new ThreadLocal<>() {
      @Override
      public void remove() {
        // ignores removal, like a broken subclass
      }
    };
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      ExecutorService pool = manager.pool("dirty").threads(1).fixed();
      Thread first = pool.submit(() -> {
        stubborn.set("sticky");
        return Thread.currentThread();
      }).get();
      Thread next = pool.submit(Thread::currentThread).get();
      awaitCompleted(manager, "dirty", 2);

      assertThat(next).isNotSameAs(first);
      assertThat(next.getName()).isEqualTo("dirty-2");
      PoolStatistics stats = manager.snapshot().pool("dirty").orElseThrow();
      assertThat(stats.hygieneFailures()).isEqualTo(1);
      assertThat(stats.renewals()).isEqualTo(1);
      assertThat(pool.submit(() -> stubborn.get()).get()).isNull();
    }
  }

  @Test
  void hygieneTurnedOff_leavesWhatTasksAdd() throws Exception {
    ThreadLocal<String> local = new ThreadLocal<>();
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      ExecutorService pool = manager.pool("raw").threads(1).threadLocalHygiene(false).fixed();
      pool.submit(() -> local.set("left")).get();

      assertThat(pool.submit(local::get).get()).isEqualTo("left");
      assertThat(manager.snapshot().pool("raw").orElseThrow().threadLocalHygiene()).isFalse();
    }
  }

  @Test
  void scheduledPool_periodicTask_getsHygieneAfterEachRun() throws Exception {
    ThreadLocal<Integer> local = new ThreadLocal<>();
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      var pool = manager.pool("timer").scheduled();
      List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      var periodic = pool.scheduleWithFixedDelay(() -> {
        seen.add(local.get() == null ? 0 : local.get());
        local.set(seen.size());
      }, 0, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 5);
      periodic.cancel(false);

      assertThat(seen).allMatch(v -> v == 0);
    }
  }

  /** A Future completes before the executor's after-task hook; the pool counts a task once its hygiene is done. */
  static void awaitCompleted(ThreadManager manager, String pool, long tasks) {
    await().atMost(Duration.ofSeconds(60))
        .until(() -> manager.snapshot().pool(pool).orElseThrow().tasksCompleted() >= tasks);
  }

  private static Map<ThreadLocal<?>, Object> currentEntries() {
    Map<ThreadLocal<?>, Object> out = new HashMap<>();
    for (ThreadLocalEntry e : MAPS.entries(Thread.currentThread())) {
      out.put(e.threadLocal(), e.value());
    }
    return out;
  }
}
