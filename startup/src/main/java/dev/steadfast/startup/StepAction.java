package dev.steadfast.startup;

/**
 * Starts one component. Runs on a startup pool thread; should respond to interruption (the orchestrator interrupts it
 * when it overruns its deadline or when startup is cancelled).
 *
 * <pre>{@code
 * StepAction connect = ctx -> pool = DataSourcePool.open(url, ctx.remaining());
 * }</pre>
 */
@FunctionalInterface
public interface StepAction {
  /**
   * Starts the component; returns when it is started.
   *
   * @param context the step's name, attempt and remaining budget
   * @throws Exception when the component cannot start (the step may be retried, see
   *     {@link StartupStep.Builder#retry(int, java.time.Duration)})
   */
  void start(StepContext context) throws Exception;
}
