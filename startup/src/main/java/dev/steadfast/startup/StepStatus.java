package dev.steadfast.startup;

/**
 * What happened to one step during startup.
 *
 * <pre>{@code
 * startup.report().step("db").status() == StepStatus.UP
 * }</pre>
 */
public enum StepStatus {
  /** Started, readiness check (if any) passed. */
  UP,
  /** The start action or readiness check threw on every attempt. */
  FAILED,
  /** Overran its effective deadline (step, phase or total budget) and its thread ended after being interrupted. */
  TIMED_OUT,
  /**
   * Overran its deadline, or was cancelled, and its thread still ran after an interrupt, a grace period and its abort
   * hook: it was left behind (its thread is a daemon and does not keep the JVM alive).
   */
  ABANDONED,
  /** Was running when a required step failed; it was interrupted and ended within the grace period. */
  CANCELLED,
  /** Not started because a dependency did not come up, or because the environment policy skips it. */
  SKIPPED,
  /** Never started because startup failed or ran out of budget before its turn. */
  NOT_STARTED
}
