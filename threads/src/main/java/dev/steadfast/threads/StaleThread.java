package dev.steadfast.threads;

import dev.steadfast.diagnostics.ThreadSnapshot;
import java.time.Duration;
import java.util.Objects;

/**
 * A worker found stuck: inside one task, blocked or waiting for at least the manager's stale threshold, while its pool
 * had tasks queued that it could have been running.
 *
 * <pre>{@code
 * ThreadManager manager = ThreadManager.builder()
 *     .onStaleThread(stale -> log.warn("stuck worker\n{}", stale))
 *     .build();
 * }</pre>
 *
 * @param pool the pool name
 * @param stuckFor how long it has been seen blocked or waiting in the same task (at least; measured at each check)
 * @param queuedTasks tasks waiting in the pool when it was found
 * @param thread the thread's state and stack, with the locks it holds and waits for
 */
public record StaleThread(String pool, Duration stuckFor, int queuedTasks, ThreadSnapshot thread) {

  /**
   * Validates the components.
   *
   * @throws NullPointerException on a null component
   */
  public StaleThread {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(stuckFor, "stuckFor");
    Objects.requireNonNull(thread, "thread");
  }

  /** @return a readable report: pool, thread, how long, queued work, then the jstack-like stack */
  @Override
  public String toString() {
    return "Thread '" + thread.name() + "' of pool '" + pool + "' has been " + thread.state() + " for "
        + stuckFor.toMillis() + " ms in one task while " + queuedTasks + " task(s) wait in its queue:\n" + thread;
  }
}
