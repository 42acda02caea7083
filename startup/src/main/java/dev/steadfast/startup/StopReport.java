package dev.steadfast.startup;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one step was stopped, on rollback after a failed startup or by {@link Startup#close()}.
 *
 * <pre>{@code
 * shutdown.stops().stream().filter(s -> s.status() != StopReport.Status.STOPPED).forEach(log::warn);
 * }</pre>
 *
 * @param step the step
 * @param status what happened
 * @param duration how long the stop action ran (zero when there was none)
 * @param thread the thread that ran it, empty when there was no stop action
 * @param error why it failed or timed out, if it did
 */
public record StopReport(String step, Status status, Duration duration, String thread, Optional<StepError> error) {
  /**
   * Outcome of stopping one step.
   *
   * <pre>{@code
   * boolean leftRunning = report.status() == StopReport.Status.ABANDONED;   // its thread may still hold resources
   * }</pre>
   */
  public enum Status {
    /** The stop action returned. */
    STOPPED,
    /** The step had no stop action. */
    NO_STOP_ACTION,
    /** The stop action threw. */
    FAILED,
    /** The stop action overran its stop timeout and ended after an interrupt. */
    TIMED_OUT,
    /** The stop action overran its stop timeout and ignored the interrupt: its (daemon) thread was left behind. */
    ABANDONED
  }

  /** Checks nothing is null. */
  public StopReport {
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(thread, "thread");
    Objects.requireNonNull(error, "error");
  }

  void writeJson(JsonWriter json) {
    json.beginObject().field("step", step).field("status", status.name()).name("durationMillis")
        .millis(Durations.toNanosSaturated(duration)).field("thread", thread.isEmpty() ? null : thread)
        .name("error");
    StepReport.writeError(json, error.orElse(null));
    json.endObject();
  }

  @Override
  public String toString() {
    return "step '" + step + "' " + status + " in " + Durations.format(duration)
        + error.map(e -> ": " + e).orElse("");
  }
}
