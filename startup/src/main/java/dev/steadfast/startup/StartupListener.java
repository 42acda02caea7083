package dev.steadfast.startup;

/**
 * Receives step events and state changes. Called on the startup's coordinator thread (or on the thread calling
 * {@link Startup#close()} for stop events), outside any lock, in decision order; it must return quickly. An exception
 * thrown by a listener is logged with the listener named and does not affect startup.
 *
 * <pre>{@code
 * StartupPlan.builder().listener(new StartupListener() {
 *   public void onStepEvent(StepEvent e) { metrics.counter("startup.step", "kind", e.kind().name()).increment(); }
 *   public void onStateChange(StartupState from, StartupState to) { health.set(to); }
 * });
 * }</pre>
 */
public interface StartupListener {
  /**
   * A step changed status.
   *
   * @param event the event
   */
  default void onStepEvent(StepEvent event) {}

  /**
   * The startup changed state.
   *
   * @param from the previous state
   * @param to the new state
   */
  default void onStateChange(StartupState from, StartupState to) {}
}
