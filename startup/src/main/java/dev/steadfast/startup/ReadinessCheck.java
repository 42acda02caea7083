package dev.steadfast.startup;

/**
 * Tells whether a started component is ready. Polled on the step's thread, with growing pauses, until it returns
 * true or its deadline passes: the smaller of the readiness timeout (counted from the moment the start action
 * returned) and what is left of the step's own deadline. A check that is still running when that deadline passes (a
 * ping that blocks) is interrupted, and the step is reported {@link StepStatus#TIMED_OUT} with the readiness check
 * named as what timed out; so a check should respond to interruption, like a start action. A check that keeps
 * returning false or throwing until the deadline ends the attempt the same way, and the step may be retried (see
 * {@link StartupStep.Builder#retry(int, java.time.Duration)}).
 *
 * <pre>{@code
 * ReadinessCheck ping = () -> pool.ping();
 * }</pre>
 */
@FunctionalInterface
public interface ReadinessCheck {
  /**
   * Checks readiness once.
   *
   * @return true when ready
   * @throws Exception treated like {@code false} for this check; the last exception is reported if it never passes
   */
  boolean isReady() throws Exception;
}
