package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStartupThreadLeft.class)
class StartupFailureTest {

  @Test
  void requiredFailure_stopsStartedStepsInReverseOrder() {
    Steps.Journal journal = new Steps.Journal();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("config", s -> s.start(journal.start("config")).stop(journal.stop("config")))
        .step("db", s -> s.dependsOn("config").start(journal.start("db")).stop(journal.stop("db")))
        .step("cache", s -> s.dependsOn("db").start(journal.start("cache")).stop(journal.stop("cache")))
        .step("queue", s -> s.dependsOn("db").start(journal.start("queue")).stop(journal.stop("queue")))
        .step("http", s -> s.dependsOn("cache", "queue").start(ctx -> {
          throw new IllegalStateException("port 8080 already in use");
        }).stop(journal.stop("http")))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.outcome()).isEqualTo(StartupOutcome.FAILED);
    assertThat(journal.entries).endsWith("stop queue", "stop cache", "stop db", "stop config");
    assertThat(report.step("db").rollback()).get().extracting(StopReport::status)
        .isEqualTo(StopReport.Status.STOPPED);
  }

  @Test
  void requiredFailure_namesRootCauseNotWrapper() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(ctx -> {
          throw new ExecutionException(new UncheckedIOException(new ConnectException("db:5432 refused")));
        }))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.failedStep()).contains("db");
    assertThat(report.rootCause()).get().extracting(StepError::rootCause)
        .isEqualTo("java.net.ConnectException: db:5432 refused");
    assertThat(report.rootCause()).get().extracting(StepError::type)
        .isEqualTo("java.io.UncheckedIOException");
    assertThat(report.summary()).endsWith("root cause: step 'db': java.net.ConnectException: db:5432 refused");
  }

  @Test
  void throwIfFailed_throwsWithRootCauseAsCause() {
    ConnectException refused = new ConnectException("refused");
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(ctx -> {
          throw new CompletionException(refused);
        }))
        .build();

    StartupReport report = plan.start().report();

    assertThatThrownBy(report::throwIfFailed)
        .isInstanceOf(StartupFailedException.class)
        .hasCause(refused)
        .hasMessageContaining("startup FAILED");
  }

  @Test
  void requiredFailure_startsNothingNew() {
    AtomicInteger laterStarts = new AtomicInteger();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .phase("infrastructure").phase("service")
        .step("db", s -> s.phase("infrastructure").start(ctx -> {
          throw new IllegalStateException("no database");
        }))
        .step("http", s -> s.phase("service").start(ctx -> laterStarts.incrementAndGet()))
        .build();

    StartupReport report = plan.start().report();

    assertThat(laterStarts).hasValue(0);
    assertThat(report.step("http").status()).isEqualTo(StepStatus.NOT_STARTED);
    assertThat(report.step("http").detail()).isEqualTo("not started: required step 'db' failed");
  }

  @Test
  void requiredFailure_cancelsRunningSteps() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("slow-index", s -> s.optional().start(Steps.hangInterruptibly()))
        .step("db", s -> s.start(ctx -> {
          Thread.sleep(50);
          throw new IllegalStateException("no database");
        }))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("slow-index").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(report.step("slow-index").detail()).contains("cancelled because required step 'db' failed");
    assertThat(report.duration()).isLessThan(Duration.ofSeconds(10));
  }

  /**
   * The race the scheduler's property test met once in a few hundred plans: a step begun and on its way to a thread is
   * cancelled (a required step failed meanwhile), and then the executor rejects it. It was decided a second time
   * (FAILED after CANCELLED), and the run's count of running steps went below zero, so the coordinator waited forever.
   * The caller's executor here rejects the second step only once that step was cancelled, which makes the race certain.
   */
  @Test
  void stepCancelledWhileTheExecutorRejectsIt_isDecidedOnce_andStartupEnds() throws Exception {
    CountDownLatch cacheCancelled = new CountDownLatch(1);
    List<String> events = new CopyOnWriteArrayList<>();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "rejecting-test-worker");
          t.setDaemon(true);
          return t;
        }) {
      private final AtomicInteger handedOver = new AtomicInteger();

      @Override
      public void execute(Runnable task) {
        if (handedOver.incrementAndGet() == 2) { // the second step begun, 'cache'
          try {
            cacheCancelled.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw new RejectedExecutionException("the test's executor rejects the second step");
        }
        super.execute(task);
      }
    };
    try {
      StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).executor(executor)
          .listener(new StartupListener() {
            @Override
            public void onStepEvent(StepEvent e) {
              events.add(e.step() + " " + e.kind());
              if (e.step().equals("cache") && e.kind() == StepEvent.Kind.CANCELLED) {
                cacheCancelled.countDown();
              }
            }
          })
          .step("db", s -> s.start(ctx -> {
            throw new IllegalStateException("no database");
          }))
          .step("cache", s -> s.start(ctx -> { }))
          .build();

      StartupReport report = plan.startInBackground().awaitReport(Duration.ofSeconds(30));

      assertThat(report.outcome()).isEqualTo(StartupOutcome.FAILED);
      assertThat(report.step("cache").status()).isEqualTo(StepStatus.CANCELLED);
      assertThat(report.step("cache").detail())
          .isEqualTo("cancelled because required step 'db' failed before it began running");
      assertThat(events).filteredOn(e -> e.startsWith("cache ")).containsExactly("cache STARTING", "cache CANCELLED");
    } finally {
      executor.shutdownNow();
      executor.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void optionalFailure_degradesAndSkipsDependants() {
    Steps.Journal journal = new Steps.Journal();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(journal.start("db")))
        .step("recommendations", s -> s.optional().start(ctx -> {
          throw new ConnectException("recommendations refused");
        }))
        .step("recommendation-cache", s -> s.optional().dependsOn("recommendations")
            .start(journal.start("recommendation-cache")))
        .step("http", s -> s.dependsOn("db").dependsOnOptionally("recommendations").start(journal.start("http")))
        .build();

    Startup startup = plan.start();
    StartupReport report = startup.report();

    assertThat(report.outcome()).isEqualTo(StartupOutcome.DEGRADED);
    assertThat(startup.state()).isEqualTo(StartupState.DEGRADED);
    assertThat(report.step("recommendations").status()).isEqualTo(StepStatus.FAILED);
    assertThat(report.step("recommendation-cache").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(report.step("recommendation-cache").detail()).isEqualTo("dependency 'recommendations' is FAILED");
    assertThat(journal.entries).doesNotContain("start recommendation-cache");
    startup.close();
  }

  @Test
  void optionalDependencyDeclared_dependantStartsAnyway() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("recommendations", s -> s.optional().start(ctx -> {
          throw new ConnectException("refused");
        }))
        .step("http", s -> s.dependsOnOptionally("recommendations").start(ctx -> { }))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("http").status()).isEqualTo(StepStatus.UP);
    assertThat(report.step("http").detail())
        .isEqualTo("started without optional dependency 'recommendations' (FAILED)");
  }

  @Test
  void retries_untilSuccess_countAttempts() {
    AtomicInteger calls = new AtomicInteger();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.retry(5, Duration.ofMillis(10)).start(ctx -> {
          if (calls.incrementAndGet() < 3) {
            throw new ConnectException("not yet");
          }
        }))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("db").status()).isEqualTo(StepStatus.UP);
    assertThat(report.step("db").attempts()).isEqualTo(3);
  }

  @Test
  void retryWithoutBackoff_pausesTheDocumentedDefault() {
    AtomicInteger calls = new AtomicInteger();
    long[] attemptAt = new long[2];
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.retry(2).start(ctx -> {
          attemptAt[calls.get()] = System.nanoTime();
          if (calls.incrementAndGet() < 2) {
            throw new ConnectException("not yet");
          }
        }))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("db").status()).isEqualTo(StepStatus.UP);
    assertThat(report.step("db").attempts()).isEqualTo(2);
    assertThat(Duration.ofNanos(attemptAt[1] - attemptAt[0])).isGreaterThanOrEqualTo(
        StartupStep.DEFAULT_RETRY_BACKOFF);
    assertThat(plan.steps().get(0).retryBackoff()).isEqualTo(StartupStep.DEFAULT_RETRY_BACKOFF);
  }

  @Test
  void plainRunnableAndCallable_areStartActions() {
    AtomicInteger ran = new AtomicInteger();
    Runnable warmUp = ran::incrementAndGet;
    java.util.concurrent.Callable<String> open = () -> "pool-" + ran.incrementAndGet();
    java.util.concurrent.Callable<String> refused = () -> {
      throw new ConnectException("refused");
    };
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("cache", s -> s.start(warmUp))
        .step("db", s -> s.dependsOn("cache").start(open))
        .step("queue", s -> s.optional().dependsOn("db").start(refused))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("cache").status()).isEqualTo(StepStatus.UP);
    assertThat(report.step("db").status()).isEqualTo(StepStatus.UP);
    assertThat(ran).hasValue(2);
    assertThat(report.step("queue").error()).get().extracting(StepError::rootCause)
        .isEqualTo("java.net.ConnectException: refused");
  }

  @Test
  void retries_stopWhenThePauseWouldPassTheDeadline() {
    AtomicInteger calls = new AtomicInteger();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.optional().retry(10, Duration.ofSeconds(2)).timeout(Duration.ofSeconds(3))
            .start(ctx -> {
              calls.incrementAndGet();
              throw new ConnectException("refused");
            }))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("db").status()).isEqualTo(StepStatus.FAILED);
    assertThat(report.step("db").attempts()).isEqualTo(2);
    assertThat(report.step("db").detail()).contains("gave up after attempt 2 of 10");
  }

  @Test
  void readinessNeverPassing_timesOutWithReadinessMessage() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.optional().start(ctx -> { }).readiness(() -> false)
            .readinessTimeout(Duration.ofMillis(200)))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("db").status()).isEqualTo(StepStatus.TIMED_OUT);
    assertThat(report.step("db").error()).get().extracting(StepError::message).asString()
        .startsWith("readiness check of step 'db' did not pass within")
        .contains("readiness timeout PT0.2S");
  }

  @Test
  void readinessPassingLater_bringsStepUp() {
    AtomicInteger checks = new AtomicInteger();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(ctx -> { }).readiness(() -> checks.incrementAndGet() >= 3))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("db").status()).isEqualTo(StepStatus.UP);
    assertThat(checks).hasValue(3);
  }

  @Test
  void errorThrownByStep_isReportedNotFatal() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("codec", s -> s.optional().start(ctx -> {
          throw new ExceptionInInitializerError("codec table broken");
        }))
        .step("http", s -> s.start(ctx -> { }))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.outcome()).isEqualTo(StartupOutcome.DEGRADED);
    assertThat(report.step("codec").error()).get().extracting(StepError::rootCause)
        .isEqualTo("java.lang.ExceptionInInitializerError: codec table broken");
  }
}
