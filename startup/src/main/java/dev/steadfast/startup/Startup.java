package dev.steadfast.startup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started (or starting) {@link StartupPlan}: its {@link StartupState} for health endpoints, its
 * {@link StartupReport}, and the ordered shutdown of what it started.
 *
 * <p>State machine ({@link StartupState}): {@code STARTING -> READY | DEGRADED | FAILED}; then {@link #close()}:
 * {@code READY | DEGRADED -> STOPPING -> STOPPED}, or {@code FAILED -> STOPPED} (a failed startup already stopped its
 * started steps on rollback). {@code STOPPED} is terminal. {@link #state()} is a volatile read, never blocks; state and
 * report are published as one snapshot, so {@link #reportIfFinished()} is present exactly when the state is no longer
 * STARTING. Listeners get {@link StartupListener#onStateChange} for each transition, after it is published; a
 * listener's failure is listed in the report's warnings (STARTING to the outcome) or the shutdown report's (the
 * transitions of {@link #stop()}), and {@link #report()} returns only once the first is in.
 *
 * <p>{@link #close()} (or {@link #stop()}, which returns the report) stops every step that came up, in reverse
 * dependency order, each within its stop timeout; it is idempotent (later calls return the first report), safe to call
 * concurrently, and safe from a JVM shutdown hook ({@link #closeOnShutdown()}). Closing while still starting cancels
 * the startup first (its outcome becomes FAILED, with the cancellation as root cause).
 *
 * <pre>{@code
 * Startup startup = plan.startInBackground().closeOnShutdown();
 * healthEndpoint.onRequest(() -> startup.state());
 * StartupReport report = startup.awaitReport(Duration.ofMinutes(1));
 * log.info("{}", report);
 * }</pre>
 */
public final class Startup implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

  private final StartupPlan plan;
  private final StartupRun run;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Object stopLock = new Object();
  /** State and report, published together: a reader never sees a report with STARTING, nor READY without one. */
  private volatile Snapshot snapshot = new Snapshot(StartupState.STARTING, null);
  private ShutdownReport shutdown;
  private Thread shutdownHook;

  private record Snapshot(StartupState state, StartupReport report) {}

  Startup(StartupPlan plan) {
    this.plan = plan;
    this.run = new StartupRun(plan);
  }

  void runHere() {
    try {
      StartupReport result = run.run();
      LOG.info("{}", result.summary());
      StartupState to = switch (result.outcome()) {
        case READY -> StartupState.READY;
        case DEGRADED -> StartupState.DEGRADED;
        case FAILED -> StartupState.FAILED;
      };
      List<String> listenerFailures = setState(to, result);
      if (!listenerFailures.isEmpty()) {
        // Before anyone waiting for the report is released: the report lists every listener failure.
        snapshot = new Snapshot(to, result.withMoreWarnings(listenerFailures));
      }
    } catch (RuntimeException | Error e) {
      LOG.error("Startup coordinator crashed; this is a bug in Steadfast", e);
      setState(StartupState.FAILED, null);
      throw e;
    } finally {
      finished.countDown();
    }
  }

  void runInBackground() {
    Thread coordinator = new Thread(this::runHere, plan.threadNamePrefix() + "-coordinator");
    coordinator.setDaemon(true);
    coordinator.start();
  }

  /** @return the current state; never blocks */
  public StartupState state() {
    return snapshot.state();
  }

  /** @return the plan this startup runs */
  public StartupPlan plan() {
    return plan;
  }

  /**
   * The report, waiting for startup to finish if needed (at most the total budget plus twice the cancel grace, plus,
   * after a failure, the stop timeouts of the steps rolled back).
   *
   * @return the report
   */
  public StartupReport report() {
    boolean interrupted = false;
    while (true) {
      try {
        finished.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return awaitPublished();
  }

  /** @return the report if startup has finished, empty while it is starting (and only then) */
  public Optional<StartupReport> reportIfFinished() {
    return Optional.ofNullable(snapshot.report());
  }

  /**
   * Waits for startup to finish.
   *
   * @param timeout how long to wait; positive
   * @return the report
   * @throws InterruptedException when interrupted while waiting
   * @throws TimeoutException when startup is still running after {@code timeout}
   */
  public StartupReport awaitReport(Duration timeout) throws InterruptedException, TimeoutException {
    Durations.requirePositive(timeout, "timeout");
    if (!finished.await(Durations.toNanosSaturated(timeout), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("startup still running after " + timeout + " (state " + state() + ")");
    }
    return awaitPublished();
  }

  /**
   * Stops every step that came up, in reverse dependency order, each within its stop timeout. Idempotent: later
   * calls return the first report. When called while starting, cancels the startup first.
   *
   * @return how each step was stopped
   */
  public ShutdownReport stop() {
    synchronized (stopLock) {
      if (shutdown != null) {
        return shutdown;
      }
      if (snapshot.report() == null) {
        run.cancel("stop() was called while starting");
      }
      StartupReport startupReport = report();
      long origin = System.nanoTime();
      Instant startedAt = Instant.now();
      List<String> warnings = new ArrayList<>();
      List<StopReport> stops;
      if (startupReport.outcome() == StartupOutcome.FAILED) {
        stops = List.of();
        warnings.add("startup FAILED: the steps that had come up were already stopped on rollback (see the startup"
            + " report)");
      } else {
        warnings.addAll(setState(StartupState.STOPPING, startupReport));
        stops = run.stopAll(origin, false);
      }
      warnings.addAll(setState(StartupState.STOPPED, startupReport));
      shutdown = new ShutdownReport(startedAt, Duration.ofNanos(System.nanoTime() - origin), stops, warnings);
      if (shutdown.isClean()) {
        LOG.info("{}", shutdown.toString().lines().findFirst().orElse(""));
      } else {
        LOG.warn("{}", shutdown);
      }
      removeShutdownHook();
      return shutdown;
    }
  }

  /** Same as {@link #stop()}; the report is kept and returned by later {@code stop()} calls. */
  @Override
  public void close() {
    stop();
  }

  /**
   * Registers a JVM shutdown hook (thread named {@code <prefix>-shutdown-hook}) that calls {@link #stop()}; removed
   * again when this startup is stopped by other means.
   *
   * @return this startup
   * @throws IllegalStateException when already registered
   */
  public Startup closeOnShutdown() {
    synchronized (stopLock) {
      if (shutdownHook != null) {
        throw new IllegalStateException("the shutdown hook is already registered");
      }
      Thread hook = new Thread(this::stop, plan.threadNamePrefix() + "-shutdown-hook");
      Runtime.getRuntime().addShutdownHook(hook);
      shutdownHook = hook;
      return this;
    }
  }

  /** @return the registered shutdown hook, if any; a test seam */
  Thread shutdownHook() {
    synchronized (stopLock) {
      return shutdownHook;
    }
  }

  private void removeShutdownHook() {
    Thread hook = shutdownHook;
    if (hook == null || hook == Thread.currentThread()) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook will find the report and return at once.
      LOG.debug("shutdown in progress; hook not removed", e);
    }
    shutdownHook = null;
  }

  private StartupReport awaitPublished() {
    StartupReport report = snapshot.report();
    if (report == null) {
      throw new IllegalStateException("the startup coordinator crashed before producing a report (see the log)");
    }
    return report;
  }

  /** Publishes the state with its report, then tells the listeners; returns their failures, for the reports. */
  private List<String> setState(StartupState to, StartupReport report) {
    StartupState from = snapshot.state();
    snapshot = new Snapshot(to, report);
    List<String> failures = new ArrayList<>();
    for (StartupListener listener : plan.listeners()) {
      try {
        listener.onStateChange(from, to);
      } catch (RuntimeException e) {
        LOG.warn("Startup listener {} threw on state change {} -> {}", listener, from, to, e);
        failures.add("listener " + listener + " threw on state change " + from + " -> " + to + ": " + e);
      }
    }
    return failures;
  }
}
