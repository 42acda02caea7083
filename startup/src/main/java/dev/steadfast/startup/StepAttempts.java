package dev.steadfast.startup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a step thread does with one step: its attempts (start action, readiness check, retries with backoff), each
 * inside the step's deadline. It never decides anything: the decision core learns of a readiness check's own deadline
 * through {@link Core#readinessBegan}, and of the outcome from the returned failure.
 *
 * <pre>{@code
 * Throwable failure = new StepAttempts(core).attempts(slot);   // null: the step is up
 * }</pre>
 */
final class StepAttempts {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);
  private static final long MIN_READINESS_PAUSE = TimeUnit.MILLISECONDS.toNanos(5);
  private static final long MAX_READINESS_PAUSE = TimeUnit.MILLISECONDS.toNanos(250);

  /** The decision core, as the step thread sees it. */
  interface Core {
    /** A readiness check began; the core interrupts it if it still runs at {@code deadline}. */
    void readinessBegan(Slot slot, int round, long deadline);
  }

  private final Core core;

  StepAttempts(Core core) {
    this.core = core;
  }

  /** Runs the step's attempts (start, readiness, retries) on the calling thread; returns its failure or null. */
  Throwable attempts(Slot s) {
    StartupStep step = s.p.step();
    StepAction action = step.startAction().orElseThrow();
    ReadinessCheck readiness = step.readinessCheck().orElse(null);
    long backoff = step.retryBackoff().toNanos();
    Throwable last = null;
    for (int attempt = 1; attempt <= step.maxAttempts(); attempt++) {
      s.attempts = attempt;
      try {
        action.start(s);
        if (readiness != null) {
          awaitReadiness(s, readiness);
        }
        return null;
      } catch (InterruptedException e) {
        return e;
      } catch (Throwable t) {
        // Any Throwable, Errors included (ExceptionInInitializerError, NoClassDefFoundError, StackOverflowError):
        // it is this step's failure to report, and must not kill the pool thread silently.
        last = t;
        if (Thread.currentThread().isInterrupted()) {
          return t;
        }
      }
      if (attempt < step.maxAttempts()) {
        long left = s.deadline - System.nanoTime();
        if (left <= backoff) {
          s.retryNote = "gave up after attempt " + attempt + " of " + step.maxAttempts() + ": the next pause ("
              + Duration.ofNanos(backoff) + ") would reach its deadline";
          return last;
        }
        LOG.warn("Step '{}' attempt {} of {} failed, retrying in {}: {}", s.p.name(), attempt, step.maxAttempts(),
            Duration.ofNanos(backoff), last.toString());
        try {
          TimeUnit.NANOSECONDS.sleep(backoff);
        } catch (InterruptedException e) {
          return last;
        }
        backoff = Math.min(backoff * 2, Long.MAX_VALUE / 4);
      }
    }
    return last;
  }

  /**
   * Polls the readiness check under its own deadline, the smaller of the readiness timeout and what is left of the
   * step's: between checks it stops by itself; a check that blocks past the deadline is interrupted by the decision
   * core (told of the deadline here), which reports the readiness check as what timed out.
   */
  private void awaitReadiness(Slot s, ReadinessCheck check) throws Exception {
    long started = System.nanoTime();
    long deadline = started + s.p.readinessTimeoutNanos();
    if (s.deadline - deadline < 0) {
      deadline = s.deadline;
    }
    int round = ++s.readinessRoundsUsed;
    s.readinessChecks = 0;
    s.readinessRound = round;
    // The decision core interrupts a check that blocks past this deadline: tell it of the deadline.
    core.readinessBegan(s, round, deadline);
    try {
      pollReadiness(s, check, started, deadline);
    } finally {
      s.readinessRound = 0;
    }
  }

  private void pollReadiness(Slot s, ReadinessCheck check, long started, long deadline) throws Exception {
    long pause = MIN_READINESS_PAUSE;
    int checks = 0;
    Exception lastError = null;
    while (true) {
      checks++;
      s.readinessChecks = checks;
      try {
        if (check.isReady()) {
          return;
        }
        lastError = null;
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        lastError = e;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new StepTimeoutException("readiness check of step '" + s.p.name() + "' did not pass within "
            + Durations.format(System.nanoTime() - started) + " (" + checks + " checks; readiness timeout "
            + Duration.ofNanos(s.p.readinessTimeoutNanos()) + ")"
            + (lastError == null ? "" : "; last check threw " + lastError), lastError);
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, MAX_READINESS_PAUSE);
    }
  }
}
