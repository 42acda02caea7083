package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.diagnostics.Deadlocks;
import dev.steadfast.startup.StartupState;
import dev.steadfast.websocket.HttpReply;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class HealthRoutesTest {
  private static HealthRoutes routes(Health health) {
    return new HealthRoutes(() -> health, Optional::empty, Optional::empty, Optional::empty);
  }

  private static Health health(StartupState state, boolean draining, List<String> failures) {
    return Health.of(state, draining, Optional.empty(), failures);
  }

  @Test
  void ready_whileStarting_is503() throws Exception {
    HttpReply reply = routes(health(StartupState.STARTING, false, List.of())).ready();

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body()).isEqualTo("{\"status\":\"STARTING\"}");
  }

  @Test
  void ready_whenReadyOrDegraded_is200() throws Exception {
    assertThat(routes(health(StartupState.READY, false, List.of())).ready().status()).isEqualTo(200);
    assertThat(routes(health(StartupState.DEGRADED, false, List.of())).ready().body())
        .isEqualTo("{\"status\":\"DEGRADED\"}");
  }

  @Test
  void ready_whileDraining_is503EvenThoughStillServing() throws Exception {
    HttpReply reply = routes(health(StartupState.READY, true, List.of())).ready();

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body()).isEqualTo("{\"status\":\"DRAINING\"}");
  }

  @Test
  void ready_whenStartupFailedOrStopped_is503() throws Exception {
    for (StartupState state : List.of(StartupState.FAILED, StartupState.STOPPING, StartupState.STOPPED)) {
      HttpReply reply = routes(health(state, false, List.of())).ready();
      assertThat(reply.status()).as(state.name()).isEqualTo(503);
      assertThat(reply.body()).isEqualTo("{\"status\":\"" + state + "\"}");
    }
  }

  @Test
  void ready_whenRequiredPartFailedAfterStartup_is503NamingIt() throws Exception {
    HttpReply reply = routes(health(StartupState.READY, false, List.of("threads: the thread manager is closed")))
        .ready();

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body()).isEqualTo("{\"status\":\"FAILED\",\"failed\":[\"threads: the thread manager is closed\"]}");
  }

  @Test
  void startupProbe_beforeStartupFinished_is503() throws Exception {
    HttpReply reply = routes(health(StartupState.STARTING, false, List.of())).startup();

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body()).isEqualTo("{\"status\":\"STARTING\"}");
  }

  @Test
  void live_ignoresStartupAndDependencies() throws Exception {
    HttpReply reply = routes(health(StartupState.FAILED, false, List.of("broker: down"))).live();

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("{\"status\":\"UP\"}");
  }

  @Test
  void live_whenThreadsAreDeadlocked_is503NamingThem() throws Exception {
    ReentrantLock first = new ReentrantLock();
    ReentrantLock second = new ReentrantLock();
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Thread a = new Thread(() -> lockBoth(first, second, bothHoldOne), "deadlock-test-a");
    Thread b = new Thread(() -> lockBoth(second, first, bothHoldOne), "deadlock-test-b");
    a.setDaemon(true);
    b.setDaemon(true);
    a.start();
    b.start();
    try {
      await().pollInSameThread().atMost(Duration.ofSeconds(30)).until(() -> !Deadlocks.find().isEmpty());

      HttpReply reply = routes(health(StartupState.READY, false, List.of())).live();

      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.body()).contains("\"status\":\"DOWN\"", "1 deadlock(s): restart needed", "deadlock-test-a",
          "deadlock-test-b");
    } finally {
      a.interrupt();
      b.interrupt();
      a.join(10_000);
      b.join(10_000);
    }
    assertThat(a.isAlive() || b.isAlive()).as("test threads ended").isFalse();
  }

  private static void lockBoth(ReentrantLock mine, ReentrantLock theirs, CountDownLatch bothHoldOne) {
    mine.lock();
    try {
      bothHoldOne.countDown();
      bothHoldOne.await();
      theirs.lockInterruptibly();
      theirs.unlock();
    } catch (InterruptedException e) {
      // The test ends the deadlock by interrupting.
    } finally {
      mine.unlock();
    }
  }

  @Test
  void live_whenAWorkerWasRecentlyStuck_is503WithItsReport() throws Exception {
    HealthRoutes routes = new HealthRoutes(() -> health(StartupState.READY, false, List.of()), Optional::empty,
        Optional::empty, () -> Optional.of("Thread 'http-routes-1' of pool 'http-routes' has been BLOCKED"));

    HttpReply reply = routes.live();

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body()).contains("a worker is stuck while work queues up: restart needed",
        "Thread 'http-routes-1' of pool 'http-routes' has been BLOCKED");
  }

  @Test
  void metrics_withoutRegistry_is503SayingWhy() {
    HttpReply reply = routes(health(StartupState.DEGRADED, false, List.of())).metrics();

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body()).isEqualTo("metrics unavailable: the 'metrics' step did not come up; see /startup");
  }
}
