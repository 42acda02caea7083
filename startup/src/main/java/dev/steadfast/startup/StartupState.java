package dev.steadfast.startup;

/**
 * The state of a {@link Startup}, readable at any time without a lock, for health endpoints.
 *
 * <p>Transitions, in order: {@code STARTING -> (READY | DEGRADED | FAILED)}, then on {@link Startup#close()}
 * {@code READY | DEGRADED -> STOPPING -> STOPPED}. {@code FAILED} is terminal for the startup (its started steps are
 * already rolled back); closing a failed startup goes {@code FAILED -> STOPPED} without stopping anything again.
 * {@code STOPPED} is terminal.
 *
 * <pre>{@code
 * StartupState state = startup.state();
 * int httpStatus = state.isServing() ? 200 : 503;
 * }</pre>
 */
public enum StartupState {
  /** Steps are being started. */
  STARTING,
  /** All steps that ran came up. */
  READY,
  /** All required steps came up; some optional ones did not. */
  DEGRADED,
  /** Startup failed; the steps that had come up were stopped in reverse order. */
  FAILED,
  /** {@link Startup#close()} is stopping the started steps. */
  STOPPING,
  /** Everything that was started has been stopped (or abandoned after its stop timeout). */
  STOPPED;

  /**
   * Whether the service can take traffic in this state.
   *
   * @return true for {@link #READY} and {@link #DEGRADED}
   */
  public boolean isServing() {
    return this == READY || this == DEGRADED;
  }

  /**
   * Whether the state can no longer change except by closing.
   *
   * @return true once startup has finished (ready, degraded, failed) or stopping has begun
   */
  public boolean isStartupFinished() {
    return this != STARTING;
  }
}
