package dev.steadfast.threads;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;

/**
 * The manager's record of one thread it created. Holds the thread only weakly, so tracking never keeps a dead thread
 * (or anything its stack or fields reach) alive; a thread that was created but never started is pruned once collected.
 */
final class Registration extends WeakReference<Thread> {
  final Pool pool;
  final long threadId;
  final String threadName;
  final long createdAtMillis;
  /** Where the thread was created, or null when creation-site capture is off. */
  final List<StackTraceElement> creationSite;

  Registration(Thread thread, Pool pool, List<StackTraceElement> creationSite, ReferenceQueue<? super Thread> queue) {
    super(thread, queue);
    this.pool = pool;
    this.threadId = thread.getId();
    this.threadName = thread.getName();
    this.createdAtMillis = System.currentTimeMillis();
    this.creationSite = creationSite;
  }
}
