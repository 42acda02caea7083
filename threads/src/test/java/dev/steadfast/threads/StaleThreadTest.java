package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoThreadLeftBehind.class)
class StaleThreadTest {

  @Test
  void workerStuckWhileWorkIsQueued_isReportedWithItsStack() throws Exception {
    List<StaleThread> found = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ThreadManager manager = detecting(found)) {
      ExecutorService pool = manager.pool("stuck").threads(1).fixed();
      pool.execute(() -> waitForRelease(started, release));
      pool.execute(() -> { }); // queued behind the stuck one
      TestSupport.await(started);
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> !found.isEmpty());
      } finally {
        release.countDown();
      }

      StaleThread stale = found.get(0);
      assertThat(stale.pool()).isEqualTo("stuck");
      assertThat(stale.queuedTasks()).isEqualTo(1);
      assertThat(stale.stuckFor()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
      assertThat(stale.thread().name()).isEqualTo("stuck-1");
      assertThat(stale.thread().stack()).anyMatch(f -> f.getMethodName().equals("waitForRelease"));
      assertThat(stale.toString()).contains("Thread 'stuck-1' of pool 'stuck' has been TIMED_WAITING for")
          .contains("1 task(s) wait in its queue").contains("waitForRelease");
      assertThat(found).as("reported once per stuck task").hasSize(1);
      assertThat(manager.snapshot().pool("stuck").orElseThrow().staleThreadsFound()).isEqualTo(1);
    }
  }

  @Test
  void workerWaitingWithNothingQueued_isNotReported() throws Exception {
    List<StaleThread> found = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ThreadManager manager = detecting(found)) {
      ExecutorService pool = manager.pool("patient").threads(1).fixed();
      pool.execute(() -> waitForRelease(started, release));
      TestSupport.await(started);
      try {
        // Many check periods (20 ms) past the threshold (100 ms): a stuck worker would have been found by now.
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(found::isEmpty);
      } finally {
        release.countDown();
      }
      assertThat(manager.snapshot().pool("patient").orElseThrow().staleThreadsFound()).isZero();
    }
  }

  @Test
  void idleWorkers_areNotReported() {
    List<StaleThread> found = new CopyOnWriteArrayList<>();
    try (ThreadManager manager = detecting(found)) {
      ExecutorService pool = manager.pool("idle").threads(2).fixed();
      pool.execute(() -> { });
      pool.execute(() -> { });
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(found::isEmpty);
    }
  }

  private static ThreadManager detecting(List<StaleThread> found) {
    return ThreadManager.builder().staleCheckPeriod(Duration.ofMillis(20)).staleThreshold(Duration.ofMillis(100))
        .onStaleThread(found::add).build();
  }

  private static void waitForRelease(CountDownLatch started, CountDownLatch release) {
    started.countDown();
    TestSupport.await(release);
  }
}
