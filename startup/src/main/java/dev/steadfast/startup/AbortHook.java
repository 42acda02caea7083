package dev.steadfast.startup;

/**
 * Unblocks a step that ignores interruption, typically by closing what it is blocked on (a socket, a channel, a
 * process). Called on its own short-lived thread after the step was interrupted and did not end within the grace
 * period.
 *
 * <pre>{@code
 * AbortHook closeSocket = () -> socket.close();   // a blocking read in the step now throws
 * }</pre>
 */
@FunctionalInterface
public interface AbortHook {
  /**
   * Closes what the step is blocked on.
   *
   * @throws Exception reported in the step's diagnostics; the step is abandoned if it still runs
   */
  void abort() throws Exception;
}
