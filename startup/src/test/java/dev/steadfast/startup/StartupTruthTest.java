package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The report says what really happened on the step threads, and every budget is enforced where it is documented. */
@ExtendWith(NoStartupThreadLeft.class)
class StartupTruthTest {
  private static final Duration SLACK = Duration.ofSeconds(2);
  private final CountDownLatch release = new CountDownLatch(1);
  private ExecutorService oneThread;

  /** The caller's executor with a single thread: a second step has to wait for it. */
  private ExecutorService oneThread() {
    AtomicInteger n = new AtomicInteger();
    oneThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, StartupPlan.DEFAULT_THREAD_NAME_PREFIX + "-test-executor-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    return oneThread;
  }

  @AfterEach
  void releaseAndStop() throws InterruptedException {
    release.countDown();
    if (oneThread != null) {
      oneThread.shutdown();
      assertThat(oneThread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void startColumn_isWhenTheActionBeganOnItsThread_notWhenItWasScheduled() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).executor(oneThread())
        .parallelism(2)
        .step("slow", s -> s.start(Steps.sleep(300)))
        .step("quick", s -> s.start(ctx -> { }))
        .build();

    StartupReport report = plan.start().report();

    StepReport quick = report.step("quick");
    assertThat(quick.status()).isEqualTo(StepStatus.UP);
    // Both steps are scheduled together and the one thread runs "slow" first: however late the machine lets the
    // test run, "quick" began at least the 300 ms sleep after it was scheduled.
    Duration waited = quick.startOffset().orElseThrow().minus(quick.scheduledOffset().orElseThrow());
    assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    assertThat(report.step("slow").duration()).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    assertThat(report.toJson()).contains("\"scheduledOffsetMillis\"");
  }

  @Test
  void stepThatNeverGotAThread_timesOutAsNeverBegun_notAbandoned() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).executor(oneThread())
        .parallelism(2).cancelGrace(Duration.ofMillis(100)).phaseTimeout(Duration.ofMillis(600))
        .step("hog", s -> s.optional().timeout(Duration.ofSeconds(3)).start(ctx -> release.await()))
        .step("waiting", s -> s.optional().timeout(Duration.ofMillis(300)).start(ctx -> { }))
        .build();

    StartupReport report = plan.start().report();

    StepReport waiting = report.step("waiting");
    assertThat(waiting.status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(waiting.error()).get().extracting(StepError::message).asString()
        .startsWith("step 'waiting' never began running: no thread of the executor took it within what was left of"
            + " phase");
    assertThat(waiting.detail()).doesNotContain("ignored the interrupt").doesNotContain("abandoned");
    assertThat(waiting.startOffset()).isEmpty();
    assertThat(waiting.thread()).isEmpty();
    assertThat(report.warnings()).noneMatch(w -> w.contains("'waiting'"));
  }

  @Test
  void stepTimeout_countsFromWhenItsThreadTookTheStep_notFromWhenItWaitedForOne() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).executor(oneThread())
        .parallelism(2)
        .step("first", s -> s.timeout(Duration.ofSeconds(5)).start(Steps.sleep(400)))
        .step("second", s -> s.timeout(Duration.ofMillis(500)).start(Steps.sleep(300)))
        .build();

    StartupReport report = plan.start().report();

    // "second" waited about 400 ms for the one thread, then ran 300 ms of its 500 ms: it is within its budget.
    assertThat(report.step("second").status()).as(report.toString()).isEqualTo(StepStatus.UP);
    assertThat(report.outcome()).isEqualTo(StartupOutcome.READY);
  }

  @Test
  void stepThatWaitedLongerThanItsTimeoutForAThread_stillTimesOutAtItsOwnDeadlineOnceRunning() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).executor(oneThread())
        .parallelism(2).phaseTimeout(Duration.ofSeconds(20))
        .step("first", s -> s.timeout(Duration.ofSeconds(5)).start(Steps.sleep(400)))
        .step("second", s -> s.optional().timeout(Duration.ofMillis(200)).start(Steps.hangInterruptibly()))
        .build();

    long t0 = System.nanoTime();
    StartupReport report = plan.start().report();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    // It waited ~400 ms for the one thread (twice its timeout), ran, and was interrupted 200 ms later: not at the
    // phase deadline 20 s away.
    StepReport second = report.step("second");
    assertThat(second.status()).as(report.toString()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(second.error()).get().extracting(StepError::message).asString()
        .startsWith("step 'second' did not finish within its step timeout PT0.2S");
    assertThat(second.startOffset()).get().asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.DURATION)
        .isGreaterThanOrEqualTo(Duration.ofMillis(350));
    assertThat(took).isLessThan(Duration.ofMillis(600).plus(SLACK));
  }

  @Test
  void cancelledBystander_isDescribedOnce() {
    CountDownLatch bystanderRunning = new CountDownLatch(1);
    StepAction hang = Steps.hangIgnoringInterrupts(release);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).cancelGrace(Duration.ofMillis(100))
        .step("bystander", s -> s.start(ctx -> {
          bystanderRunning.countDown();
          hang.start(ctx);
        }))
        .step("db", s -> s.start(ctx -> {
          // Fails only once the bystander runs (on a loaded machine its thread may start late).
          bystanderRunning.await(10, TimeUnit.SECONDS);
          throw new IllegalStateException("db refused");
        }))
        .build();

    StartupReport report = plan.start().report();

    StepReport bystander = report.step("bystander");
    assertThat(bystander.status()).isEqualTo(StepStatus.ABANDONED);
    String row = report.toString().lines().filter(l -> l.contains(" bystander ")).findFirst().orElseThrow();
    assertThat(row.split("cancelled because required step 'db' failed", -1)).as(row).hasSize(2);
    assertThat(bystander.detail()).contains("ignored the interrupt");
  }

  @Test
  void blockingReadinessCheck_isInterruptedAtItsOwnTimeout_andNamedAsWhatTimedOut() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.optional().timeout(Duration.ofSeconds(4)).readinessTimeout(Duration.ofMillis(300))
            .start(ctx -> { })
            .readiness(() -> {
              new CountDownLatch(1).await(); // a ping that never answers
              return true;
            }))
        .build();

    long start = System.nanoTime();
    StartupReport report = plan.start().report();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    StepReport db = report.step("db");
    assertThat(db.status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(db.error()).get().extracting(StepError::message).asString()
        .startsWith("readiness check of step 'db' did not pass within its readiness timeout PT0.3S");
    assertThat(db.diagnosis()).get().extracting(HangDiagnosis::stack).asString().contains("CountDownLatch.await");
    assertThat(took).isLessThan(Duration.ofMillis(300).plus(SLACK)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void blockingReadinessCheck_isBoundByWhatIsLeftOfTheStep_whenThatIsSmaller() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.optional().timeout(Duration.ofMillis(400)).readinessTimeout(Duration.ofSeconds(5))
            .start(ctx -> { })
            .readiness(() -> {
              new CountDownLatch(1).await();
              return true;
            }))
        .build();

    StepReport db = plan.start().report().step("db");

    assertThat(db.status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(db.error()).get().extracting(StepError::message)
        .asString().startsWith("step 'db' did not finish within its step timeout PT0.4S; blocked in ");
  }
}
