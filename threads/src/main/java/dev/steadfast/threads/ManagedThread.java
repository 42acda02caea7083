package dev.steadfast.threads;

import dev.steadfast.diagnostics.ThreadLocalMaps;

/**
 * A platform thread created by a managed factory. Being a subclass lets a pool keep its per-worker hygiene state in
 * plain fields (no ThreadLocal lookup, no map) and lets the manager see when the thread's body ends.
 */
final class ManagedThread extends Thread {
  final Pool pool;
  Registration registration;

  // Written only by this thread. The stale-thread detector reads busy/taskSequence racily; a stale read only delays
  // a report by one check period.
  boolean busy;
  long taskSequence;
  long tasksCompleted;
  ThreadLocalMaps.Snapshot baseline;
  boolean renewalWanted;

  ManagedThread(Pool pool, Runnable target, String name, boolean inheritThreadLocals) {
    super(null, target, name, 0, inheritThreadLocals);
    this.pool = pool;
  }

  @Override
  public void run() {
    pool.threadStarted(this);
    try {
      pool.beforeFirstTask(this);
      super.run();
    } catch (Pool.RenewalSignal expected) {
      // Thrown by the pool after a task to retire this worker; the executor has already started its replacement.
    } finally {
      pool.threadEnded(this);
    }
  }
}
