package dev.steadfast.threads;

import dev.steadfast.diagnostics.ThreadSnapshot;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's periodic check: prunes registrations of threads that are gone, and finds workers stuck in one task
 * (blocked or waiting at every check for at least the threshold) while their pool has queued work. Runs only on the
 * manager's single detector thread, so its bookkeeping needs no locking.
 */
final class StaleThreadDetector implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadManager.class);

  private final ThreadManager manager;
  private final long thresholdNanos;
  private final Map<Registration, Observation> observations = new HashMap<>();

  private record Observation(long taskSequence, long sinceNanos, boolean reported) {
  }

  StaleThreadDetector(ThreadManager manager, Duration threshold) {
    this.manager = manager;
    this.thresholdNanos = threshold.toNanos();
  }

  @Override
  public void run() {
    try {
      check(System.nanoTime());
    } catch (RuntimeException e) {
      // A failed check must not cancel the periodic schedule (a thrown exception would).
      LOG.warn("Stale-thread check of ThreadManager '{}' failed; trying again next period", manager.name(), e);
    }
  }

  void check(long now) {
    manager.prune();
    Set<Registration> seen = new HashSet<>();
    for (Pool pool : manager.pools()) {
      if (pool.executor == null || pool.kind == PoolKind.VIRTUAL) {
        continue; // no queue: a bare factory's threads or one virtual thread per task
      }
      int queued = -1;
      for (Registration registration : pool.threads) {
        if (!(registration.get() instanceof ManagedThread thread) || !thread.busy || !isBlockedOrWaiting(thread)) {
          continue;
        }
        seen.add(registration);
        long sequence = thread.taskSequence;
        Observation seenBefore = observations.get(registration);
        if (seenBefore == null || seenBefore.taskSequence() != sequence) {
          observations.put(registration, new Observation(sequence, now, false));
          continue;
        }
        if (seenBefore.reported() || now - seenBefore.sinceNanos() < thresholdNanos) {
          continue;
        }
        if (queued < 0) {
          queued = pool.queuedTasks();
        }
        if (queued > 0) {
          observations.put(registration, new Observation(sequence, seenBefore.sinceNanos(), true));
          manager.reportStale(pool, new StaleThread(pool.name, Duration.ofNanos(now - seenBefore.sinceNanos()),
              queued, ThreadSnapshot.of(thread)));
        }
      }
    }
    observations.keySet().retainAll(seen);
  }

  private static boolean isBlockedOrWaiting(Thread thread) {
    Thread.State state = thread.getState();
    return state == Thread.State.BLOCKED || state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
  }
}
