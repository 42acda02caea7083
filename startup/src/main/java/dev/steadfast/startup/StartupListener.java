package dev.steadfast.startup;

/**
 * Receives step events and state changes. Called outside the startup's internal lock, in decision order, one call at
 * a time, on a startup thread (the coordinator or the step thread that made the decision; the thread calling
 * {@link Startup#close()} for stop events); it must return quickly, and must not wait for the startup (calling
 * {@link Startup#report()} or {@link Startup#stop()} from a listener before startup has finished would wait for
 * itself). An exception thrown by a listener is logged with the listener named, listed in the report's warnings (for
 * the state changes of {@link Startup#stop()}, the shutdown report's), and does not affect startup.
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
