package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStartupThreadLeft.class)
class StartupHangTest {
  /** Generous slack for a loaded 2-core machine; the rule under test is "bounded", not "fast". */
  private static final Duration SLACK = Duration.ofSeconds(3);

  @Test
  void hangHonouringInterrupt_isTimedOutWithItsStack() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.optional().timeout(Duration.ofMillis(300)).start(Steps.hangInterruptibly()))
        .build();

    StartupReport report = plan.start().report();

    StepReport db = report.step("db");
    assertThat(db.status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(db.error()).get().extracting(StepError::message)
        .satisfies(m -> assertThat(m).as("the root-cause line names the step's frame and what it waits for")
            .startsWith("step 'db' did not finish within its step timeout PT0.3S; blocked in ")
            .contains(Steps.class.getName() + ".lambda$hangInterruptibly$")
            .contains(": waiting for java.util.concurrent.CountDownLatch$Sync@"));
    assertThat(db.diagnosis()).get().extracting(HangDiagnosis::stack).asString()
        .contains("java.util.concurrent.CountDownLatch.await");
    assertThat(db.diagnosis().get().threadDump()).contains(db.thread());
    assertThat(report.outcome()).isEqualTo(StartupOutcome.DEGRADED);
  }

  @Test
  void hangIgnoringInterrupt_isAbandonedAndStartupEndsWithinTheTotalBudget() {
    CountDownLatch release = new CountDownLatch(1);
    Duration total = Duration.ofSeconds(4);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .totalTimeout(total)
        .step("legacy-client", s -> s.timeout(Duration.ofMillis(500)).start(Steps.hangIgnoringInterrupts(release)))
        .build();
    try {
      StartupReport report = plan.start().report();

      StepReport step = report.step("legacy-client");
      assertThat(step.status()).isEqualTo(StepStatus.ABANDONED);
      assertThat(step.detail()).contains("ignored the interrupt and was abandoned (daemon)");
      assertThat(report.outcome()).isEqualTo(StartupOutcome.FAILED);
      assertThat(report.duration()).isLessThan(total);
      assertThat(report.warnings()).anyMatch(w -> w.startsWith("step 'legacy-client' was abandoned"));
      assertThat(NoStartupThreadLeft.liveThreads(StartupPlan.DEFAULT_THREAD_NAME_PREFIX))
          .contains(step.thread());
    } finally {
      release.countDown();
    }
  }

  @Test
  void hangIgnoringInterrupt_atTheTotalBudget_overrunsItByAtMostTheGrace() {
    CountDownLatch release = new CountDownLatch(1);
    Duration total = Duration.ofSeconds(1);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .totalTimeout(total)
        .step("legacy-client", s -> s.start(Steps.hangIgnoringInterrupts(release)))
        .build();
    try {
      long start = System.nanoTime();
      StartupReport report = plan.start().report();
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(report.step("legacy-client").status()).isEqualTo(StepStatus.ABANDONED);
      assertThat(took).isLessThan(total.plus(StartupPlan.DEFAULT_CANCEL_GRACE.multipliedBy(2)).plus(SLACK));
    } finally {
      release.countDown();
    }
  }

  @Test
  void totalBudget_isEnforcedAcrossSteps() {
    Duration total = Duration.ofMillis(800);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .totalTimeout(total)
        .step("config", s -> s.start(Steps.sleep(100)))
        .step("db", s -> s.dependsOn("config").start(Steps.hangInterruptibly()))
        .step("http", s -> s.dependsOn("db").start(Steps.sleep(10)))
        .build();

    long start = System.nanoTime();
    StartupReport report = plan.start().report();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(report.step("db").status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(report.step("db").error()).get().extracting(StepError::message)
        .asString().startsWith("step 'db' did not finish within what was left of the total startup budget PT0.8S; blocked in ");
    assertThat(report.step("http").status()).isEqualTo(StepStatus.NOT_STARTED);
    assertThat(took).isBetween(total, total.plus(SLACK));
  }

  @Test
  void phaseBudget_boundsStepDeadline() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .phase("infrastructure", Duration.ofMillis(300)).phase("service")
        .step("db", s -> s.phase("infrastructure").optional().start(Steps.hangInterruptibly()))
        .step("http", s -> s.phase("service").start(Steps.sleep(1)))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("db").error()).get().extracting(StepError::message)
        .asString().startsWith("step 'db' did not finish within what was left of phase 'infrastructure' (timeout PT0.3S); blocked in ");
    assertThat(report.step("http").status()).isEqualTo(StepStatus.UP);
  }

  @Test
  void abortHook_unblocksStepStuckInUninterruptibleIo() throws IOException {
    AtomicReference<ServerSocket> socket = new AtomicReference<>();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("listener", s -> s.optional().timeout(Duration.ofMillis(300))
            .start(ctx -> {
              ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
              socket.set(server);
              server.accept(); // classic socket accept ignores Thread.interrupt()
            })
            .abortHook(() -> socket.get().close()))
        .build();

    StartupReport report = plan.start().report();

    StepReport step = report.step("listener");
    assertThat(step.status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(step.detail()).contains("abort hook called").contains("ended after being interrupted");
    assertThat(socket.get().isClosed()).isTrue();
    // The SocketException the hook caused is attached; the timeout, naming the socket wait, stays the error.
    assertThat(step.error()).get().extracting(StepError::message).asString()
        .startsWith("step 'listener' did not finish within its step timeout PT0.3S; blocked in ")
        .contains("accepting connections on a socket");
    assertThat(step.error().get().exception().getSuppressed()).as(report.toString()).singleElement()
        .isInstanceOf(java.net.SocketException.class);
  }

  @Test
  void stepComingUpAfterItsDeadline_isStopped() {
    Steps.Journal journal = new Steps.Journal();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("cache", s -> s.optional().timeout(Duration.ofMillis(200))
            .start(ctx -> {
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                journal.entries.add("interrupted; finishing anyway");
              }
            })
            .stop(journal.stop("cache")))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("cache").status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(report.step("cache").rollback()).get().extracting(StopReport::status)
        .isEqualTo(StopReport.Status.STOPPED);
    assertThat(journal.entries).containsExactly("interrupted; finishing anyway", "stop cache");
  }

  @Test
  void abandonedThread_isReplaced_soLaterStepsStillRun() {
    CountDownLatch release = new CountDownLatch(1);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).sequential()
        .step("stuck", s -> s.optional().timeout(Duration.ofMillis(200))
            .start(Steps.hangIgnoringInterrupts(release)))
        .step("next", s -> s.start(ctx -> { }))
        .build();
    try {
      StartupReport report = plan.start().report();

      assertThat(report.step("stuck").status()).isEqualTo(StepStatus.ABANDONED);
      assertThat(report.step("next").status()).isEqualTo(StepStatus.UP);
      assertThat(report.step("next").thread()).isNotEqualTo(report.step("stuck").thread());
    } finally {
      release.countDown();
    }
  }
}
