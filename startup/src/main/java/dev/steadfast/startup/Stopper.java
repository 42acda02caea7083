package dev.steadfast.startup;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one stop action on its own daemon thread, bounded by the step's stop timeout and the cancel grace. */
final class Stopper {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

  private Stopper() {}

  static StopReport stop(PlannedStep p, String threadNamePrefix, long graceNanos) {
    StopAction action = p.step().stopAction().orElse(null);
    if (action == null) {
      return new StopReport(p.name(), StopReport.Status.NO_STOP_ACTION, Duration.ZERO, "", Optional.empty());
    }
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        action.stop();
      } catch (Throwable t) {
        // Errors included: a stop action's failure is reported, and the next step is stopped anyway.
        failure.set(t);
      } finally {
        done.countDown();
      }
    }, threadNamePrefix + "-stop:" + p.name());
    thread.setDaemon(true);
    long start = System.nanoTime();
    thread.start();
    Duration timeout = Duration.ofNanos(p.stopTimeoutNanos());
    if (await(done, p.stopTimeoutNanos())) {
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      Throwable t = failure.get();
      if (t == null) {
        return new StopReport(p.name(), StopReport.Status.STOPPED, took, thread.getName(), Optional.empty());
      }
      LOG.warn("Stop action of step '{}' failed", p.name(), t);
      return new StopReport(p.name(), StopReport.Status.FAILED, took, thread.getName(),
          Optional.of(StepError.of(t)));
    }
    thread.interrupt();
    boolean ended = await(done, graceNanos);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String message = "stop action of step '" + p.name() + "' did not finish within its stop timeout " + timeout
        + (ended ? "; it ended after an interrupt" : "; it ignored the interrupt and was abandoned (daemon thread '"
        + thread.getName() + "')");
    LOG.error("{}", message);
    return new StopReport(p.name(), ended ? StopReport.Status.TIMED_OUT : StopReport.Status.ABANDONED, took,
        thread.getName(), Optional.of(StepError.of(new StepTimeoutException(message))));
  }

  private static boolean await(CountDownLatch latch, long nanos) {
    try {
      return latch.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      // Stopping from an interrupted thread (e.g. a shutdown hook racing an interrupt): keep going, keep the flag.
      Thread.currentThread().interrupt();
      return latch.getCount() == 0;
    }
  }
}
