package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStartupThreadLeft.class)
class StartupShutdownTest {

  private static StartupPlan plan(Steps.Journal journal, StartupListener listener) {
    return StartupPlan.builder().environment(Environment.PRODUCTION).listener(listener)
        .phase("infrastructure").phase("service")
        .step("config", s -> s.phase("infrastructure").start(journal.start("config")).stop(journal.stop("config")))
        .step("db", s -> s.phase("infrastructure").dependsOn("config").start(journal.start("db"))
            .stop(journal.stop("db")))
        .step("metrics", s -> s.phase("infrastructure").start(journal.start("metrics")))
        .step("http", s -> s.phase("service").dependsOn("db").start(journal.start("http"))
            .stop(journal.stop("http")))
        .build();
  }

  @Test
  void close_stopsInReverseDependencyOrder() {
    Steps.Journal journal = new Steps.Journal();
    Startup startup = plan(journal, new StartupListener() { }).start();

    ShutdownReport shutdown = startup.stop();

    assertThat(journal.entries.stream().filter(e -> e.startsWith("stop")))
        .containsExactly("stop http", "stop db", "stop config");
    assertThat(shutdown.stops()).extracting(StopReport::step).containsExactly("http", "metrics", "db", "config");
    assertThat(shutdown.stops()).extracting(StopReport::status).containsExactly(StopReport.Status.STOPPED,
        StopReport.Status.NO_STOP_ACTION, StopReport.Status.STOPPED, StopReport.Status.STOPPED);
    assertThat(shutdown.isClean()).isTrue();
  }

  @Test
  void close_isIdempotent() {
    Steps.Journal journal = new Steps.Journal();
    Startup startup = plan(journal, new StartupListener() { }).start();

    ShutdownReport first = startup.stop();
    startup.close();
    ShutdownReport again = startup.stop();

    assertThat(again).isSameAs(first);
    assertThat(journal.entries.stream().filter(e -> e.equals("stop db"))).hasSize(1);
  }

  @Test
  void close_fromConcurrentThreads_stopsEachStepOnce() throws Exception {
    Steps.Journal journal = new Steps.Journal();
    Startup startup = plan(journal, new StartupListener() { }).start();
    ExecutorService closers = Executors.newFixedThreadPool(4);
    try {
      List<Future<ShutdownReport>> reports = closers.invokeAll(List.of(startup::stop, startup::stop, startup::stop,
          startup::stop));
      ShutdownReport first = reports.get(0).get();
      for (Future<ShutdownReport> r : reports) {
        assertThat(r.get()).isSameAs(first);
      }
    } finally {
      closers.shutdownNow();
      closers.awaitTermination(10, TimeUnit.SECONDS);
    }
    assertThat(journal.entries.stream().filter(e -> e.startsWith("stop"))).hasSize(3);
  }

  @Test
  void stateMachine_goesThroughReadyStoppingStopped() {
    List<String> transitions = new CopyOnWriteArrayList<>();
    Startup startup = plan(new Steps.Journal(), new StartupListener() {
      @Override
      public void onStateChange(StartupState from, StartupState to) {
        transitions.add(from + "->" + to);
      }
    }).start();
    assertThat(startup.state()).isEqualTo(StartupState.READY);

    startup.close();

    assertThat(startup.state()).isEqualTo(StartupState.STOPPED);
    assertThat(transitions).containsExactly("STARTING->READY", "READY->STOPPING", "STOPPING->STOPPED");
  }

  @Test
  void listenerThrowingOnStateChange_isNamedInTheReportAndTheShutdownReport() {
    StartupListener failing = new StartupListener() {
      @Override
      public void onStateChange(StartupState from, StartupState to) {
        throw new IllegalStateException("health endpoint not bound yet");
      }

      @Override
      public String toString() {
        return "health-listener";
      }
    };
    Startup startup = plan(new Steps.Journal(), failing).start();

    assertThat(startup.report().warnings()).containsExactly("listener health-listener threw on state change"
        + " STARTING -> READY: java.lang.IllegalStateException: health endpoint not bound yet");
    assertThat(startup.stop().warnings()).containsExactly(
        "listener health-listener threw on state change READY -> STOPPING: java.lang.IllegalStateException: health"
            + " endpoint not bound yet",
        "listener health-listener threw on state change STOPPING -> STOPPED: java.lang.IllegalStateException: health"
            + " endpoint not bound yet");
  }

  @Test
  void backgroundStartup_isStartingUntilDone() throws Exception {
    CountDownLatch proceed = new CountDownLatch(1);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(ctx -> proceed.await()))
        .build();

    Startup startup = plan.startInBackground();
    assertThat(startup.state()).isEqualTo(StartupState.STARTING);
    assertThat(startup.reportIfFinished()).isEmpty();
    proceed.countDown();

    assertThat(startup.awaitReport(Duration.ofSeconds(30)).outcome()).isEqualTo(StartupOutcome.READY);
    assertThat(startup.state()).isEqualTo(StartupState.READY);
    startup.close();
  }

  @Test
  void closeWhileStarting_cancelsAndRollsBack() {
    Steps.Journal journal = new Steps.Journal();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("config", s -> s.start(journal.start("config")).stop(journal.stop("config")))
        .step("db", s -> s.dependsOn("config").start(Steps.hangInterruptibly()))
        .build();
    Startup startup = plan.startInBackground();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> journal.entries.contains("start config"));

    ShutdownReport shutdown = startup.stop();

    StartupReport report = startup.report();
    assertThat(report.outcome()).isEqualTo(StartupOutcome.FAILED);
    assertThat(report.rootCause()).get().extracting(StepError::rootCause).asString()
        .contains("startup was cancelled: stop() was called while starting");
    assertThat(report.step("db").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(journal.entries).contains("stop config");
    assertThat(shutdown.warnings()).singleElement().asString().contains("already stopped on rollback");
    assertThat(startup.state()).isEqualTo(StartupState.STOPPED);
  }

  @Test
  void stopActionOverrunningItsTimeout_isReportedAndNextStepStillStops() {
    Steps.Journal journal = new Steps.Journal();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(ctx -> { }).stop(journal.stop("db")))
        .step("http", s -> s.dependsOn("db").start(ctx -> { }).stopTimeout(Duration.ofMillis(100))
            .stop(() -> new CountDownLatch(1).await()))
        .build();
    Startup startup = plan.start();

    ShutdownReport shutdown = startup.stop();

    assertThat(shutdown.stops().get(0).status()).isEqualTo(StopReport.Status.TIMED_OUT);
    assertThat(shutdown.stops().get(0).error()).get().extracting(StepError::message).asString()
        .startsWith("stop action of step 'http' did not finish within its stop timeout PT0.1S");
    assertThat(journal.entries).contains("stop db");
    assertThat(shutdown.isClean()).isFalse();
  }

  @Test
  void close_removesTheShutdownHook() {
    Startup startup = plan(new Steps.Journal(), new StartupListener() { }).start().closeOnShutdown();
    Thread hook = startup.shutdownHook();

    startup.close();

    assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("hook still registered").isFalse();
  }

  @Test
  void shutdownHook_stopsTheStartedSteps() {
    Steps.Journal journal = new Steps.Journal();
    Startup startup = plan(journal, new StartupListener() { }).start().closeOnShutdown();

    startup.shutdownHook().run(); // what the JVM does on shutdown

    assertThat(startup.state()).isEqualTo(StartupState.STOPPED);
    assertThat(journal.entries).contains("stop http", "stop db", "stop config");
  }
}
