package dev.steadfast.startup;

import java.time.Duration;

/**
 * What a running step can know about its own run: passed to {@link StepAction#start(StepContext)}.
 *
 * <pre>{@code
 * .start(ctx -> pool.connect(ctx.remaining()))   // give the driver the step's own budget
 * }</pre>
 */
public interface StepContext {
  /**
   * The step's name.
   *
   * @return the name
   */
  String stepName();

  /**
   * The attempt being made, from 1.
   *
   * @return the attempt number
   */
  int attempt();

  /**
   * Time left until the step's effective deadline (the smallest of its own timeout and what is left of its phase and
   * of the whole startup); never negative.
   *
   * @return the remaining budget
   */
  Duration remaining();

  /**
   * The environment this startup runs in.
   *
   * @return the environment
   */
  Environment environment();
}
