package dev.steadfast.startup;

/**
 * Thrown by {@link StartupReport#throwIfFailed()}: its message is the report's summary, its cause the root cause of
 * the failure (not a wrapper).
 *
 * <pre>{@code
 * try (Startup startup = plan.start()) {
 *   startup.report().throwIfFailed();
 * } catch (StartupFailedException e) {
 *   log.error("{}", e.report());   // the full table
 * }
 * }</pre>
 */
public final class StartupFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The failed startup's report. */
  private final transient StartupReport report;

  StartupFailedException(String message, Throwable rootCause, StartupReport report) {
    super(message, rootCause);
    this.report = report;
  }

  /** @return the report of the failed startup */
  public StartupReport report() {
    return report;
  }
}
