package dev.steadfast.startup;

/**
 * A test seam: sees every decision of a run as it is made, under the run's decision lock, so a test can check the
 * scheduler's invariants against what really happened (which step began when, and how many ran). Must be fast and
 * must not call back into the startup.
 *
 * <pre>{@code
 * StartupPlan.builder().observer(new RunObserver() {
 *   public void begun(int step, int running) { trace.add("begin " + step); }
 * });
 * }</pre>
 */
interface RunObserver {
  /** Observes nothing. */
  RunObserver NONE = new RunObserver() {};

  /**
   * The run opened its own pool.
   *
   * @param pool the pool
   */
  default void poolOpened(StartupPool pool) {}

  /**
   * A step was begun (its clock started and it was handed to a thread, or it timed out before its turn).
   *
   * @param step index of the step
   * @param running steps counted as running, this one included
   */
  default void begun(int step, int running) {}

  /**
   * A begun step is about to be handed to the executor (steps a thread takes for itself are never handed over).
   *
   * @param step index of the step
   */
  default void handingOver(int step) {}

  /**
   * A step reached its final status.
   *
   * @param step index of the step
   * @param status its status
   */
  default void finished(int step, StepStatus status) {}

  /**
   * The holder of the decision lock finished a round of decisions and is about to release it.
   *
   * @param running steps counted as running
   * @param startable steps startable now and not begun
   * @param failing whether startup is failing (nothing new starts)
   */
  default void decided(int running, int startable, boolean failing) {}
}
