package dev.steadfast.startup;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A step changed status: delivered to {@link StartupListener#onStepEvent(StepEvent)} in the order the coordinator
 * made the decisions.
 *
 * <pre>{@code
 * StartupListener log = event -> LOG.info("{} {} at {}", event.step(), event.kind(), event.offset());
 * }</pre>
 *
 * @param step the step
 * @param kind what happened
 * @param offset when, from the beginning of startup (or of shutdown, for stop events)
 * @param thread the step's thread, empty when none
 * @param attempts attempts made so far
 * @param error the error for failure kinds
 * @param detail a sentence on why (skips, cancellations, abandonments), empty otherwise
 */
public record StepEvent(String step, Kind kind, Duration offset, String thread, int attempts,
    Optional<StepError> error, String detail) {
  /**
   * What happened to the step.
   *
   * <pre>{@code
   * StartupListener alert = e -> { if (e.kind() == StepEvent.Kind.TIMED_OUT) pager.page(e.step() + " timed out"); };
   * }</pre>
   */
  public enum Kind {
    /** Submitted to run. */
    STARTING,
    /** Came up. */
    UP,
    /** Failed on every attempt. */
    FAILED,
    /** Overran its deadline and ended after an interrupt. */
    TIMED_OUT,
    /** Cancelled because startup failed, and ended. */
    CANCELLED,
    /** Left running after interrupt, grace and abort hook. */
    ABANDONED,
    /** Not started: a dependency did not come up, or the policy skips it. */
    SKIPPED,
    /** Its stop action returned. */
    STOPPED,
    /** Its stop action failed, timed out or was abandoned. */
    STOP_FAILED
  }

  /** Checks nothing is null. */
  public StepEvent {
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(offset, "offset");
    Objects.requireNonNull(thread, "thread");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(detail, "detail");
  }
}
