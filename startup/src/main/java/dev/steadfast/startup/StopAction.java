package dev.steadfast.startup;

/**
 * Stops what a step started: called on rollback after a failed startup and by {@link Startup#close()}, in reverse
 * dependency order, each within the step's stop timeout.
 *
 * <pre>{@code
 * StopAction close = () -> pool.close();
 * }</pre>
 */
@FunctionalInterface
public interface StopAction {
  /**
   * Stops the component.
   *
   * @throws Exception when stopping fails (reported, and the next step is stopped anyway)
   */
  void stop() throws Exception;
}
