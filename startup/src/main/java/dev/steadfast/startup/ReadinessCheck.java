package dev.steadfast.startup;

/**
 * Tells whether a started component is ready. Polled on the step's thread, with growing pauses, until it returns
 * true or the readiness timeout (or the step's deadline) passes.
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
