package dev.steadfast.startup;

/**
 * How a startup ended.
 *
 * <pre>{@code
 * if (startup.report().outcome() == StartupOutcome.FAILED) System.exit(1);
 * }</pre>
 */
public enum StartupOutcome {
  /** Every step that ran came up (steps bypassed by an environment policy are listed in the report). */
  READY,
  /** Every required step came up; at least one optional step failed, timed out or was skipped because of one. */
  DEGRADED,
  /** A required step failed, timed out or was abandoned, or the startup was cancelled; started steps were stopped. */
  FAILED
}
