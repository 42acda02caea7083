package dev.steadfast.startup;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The startup's own bounded pool. It creates a thread only when no idle one can take the step, so a 500-step plan
 * that is 40 steps wide creates about 40 threads, not {@code parallelism}. When a step is abandoned its thread is lost
 * to the pool, so the maximum grows by one to keep the promised parallelism.
 *
 * <p>Every hand-off is decided under one lock that also guards which workers are idle: a step goes to a worker taken
 * off the idle list, to a new worker, or (only while every allowed worker is busy) to a queue that a worker empties
 * before it may become idle. A worker retires after {@link #DEFAULT_IDLE_TIMEOUT} only by taking itself off the idle
 * list under the same lock, so a step can never be handed to a worker that is leaving. (The pool this replaces, a
 * {@code ThreadPoolExecutor} steered by counters, counted a retiring worker as idle: the step was queued, the worker
 * left, and the step waited for a busy worker to finish its whole chain of steps — a wave late, or until cancelled.)
 *
 * <pre>{@code
 * StartupPool pool = StartupPool.create(8, factory);
 * pool.execute(() -> runChain(step));
 * pool.shutdown();   // idle workers end now, busy ones when their step ends
 * }</pre>
 */
final class StartupPool implements Executor {
  /** How long a worker waits for another step before it ends. */
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(1);
  private static final Logger LOG = LoggerFactory.getLogger(StartupPool.class);

  private final ThreadFactory factory;
  private final long idleTimeoutNanos;
  /** Told of each hand-off under the lock, so in the order workers will take them (a test seam). */
  private final Consumer<Runnable> handOffs;
  private final ReentrantLock lock = new ReentrantLock();
  /** Guarded by lock; most recently idle first, so a warm thread takes the next step. */
  private final ArrayDeque<Worker> idle = new ArrayDeque<>();
  /** Guarded by lock; steps handed over while every allowed worker was busy. */
  private final ArrayDeque<Runnable> queued = new ArrayDeque<>();
  /** Guarded by lock; every thread this pool created, for tests and diagnostics. */
  private final List<Thread> created = new ArrayList<>();
  /** Guarded by lock. */
  private int maxWorkers;
  /** Guarded by lock: workers started and not yet ended. */
  private int live;
  /** Guarded by lock. */
  private int busy;
  /** Guarded by lock. */
  private boolean shutdown;

  private StartupPool(int maxWorkers, ThreadFactory factory, Duration idleTimeout, Consumer<Runnable> handOffs) {
    this.maxWorkers = maxWorkers;
    this.factory = factory;
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.handOffs = handOffs;
  }

  static StartupPool create(int parallelism, ThreadFactory factory) {
    return create(parallelism, factory, DEFAULT_IDLE_TIMEOUT, task -> { });
  }

  /**
   * The pool with test seams: a tiny idle timeout makes workers retire all the time; {@code handOffs} sees each task
   * as it is handed over, under the pool's lock.
   */
  static StartupPool create(int parallelism, ThreadFactory factory, Duration idleTimeout,
      Consumer<Runnable> handOffs) {
    return new StartupPool(parallelism, factory, idleTimeout, handOffs);
  }

  /**
   * Hands a step to an idle worker, a new worker, or the queue when every allowed worker is busy.
   *
   * @throws RejectedExecutionException after {@link #shutdown()}, or when the thread factory fails
   */
  @Override
  public void execute(Runnable task) {
    lock.lock();
    try {
      if (shutdown) {
        throw new RejectedExecutionException("the startup pool is shut down");
      }
      handOffs.accept(task);
      Worker worker = idle.pollFirst();
      if (worker != null) {
        worker.next = task;
        busy++;
        worker.wake.signal();
        return;
      }
      if (live >= maxWorkers) {
        queued.addLast(task);
        return;
      }
      live++;
      busy++;
    } finally {
      lock.unlock();
    }
    // Outside the lock: creating a thread can take a while, and hand-offs to idle workers must not wait for it.
    startWorker(task);
  }

  private void startWorker(Runnable first) {
    Worker worker = new Worker(first);
    Thread thread;
    try {
      thread = factory.newThread(worker);
      if (thread == null) {
        throw new IllegalStateException("the thread factory returned null");
      }
      thread.start();
    } catch (RuntimeException | OutOfMemoryError e) {
      lock.lock();
      try {
        live--;
        busy--;
      } finally {
        lock.unlock();
      }
      throw new RejectedExecutionException("could not start a startup thread: " + e, e);
    }
    lock.lock();
    try {
      created.add(thread);
    } finally {
      lock.unlock();
    }
  }

  /** A thread was abandoned by a step: keep the capacity the plan asked for. */
  void replaceAbandonedThread() {
    Runnable waiting;
    lock.lock();
    try {
      maxWorkers++;
      waiting = shutdown || live >= maxWorkers ? null : queued.pollFirst();
      if (waiting != null) {
        live++;
        busy++;
      }
    } finally {
      lock.unlock();
    }
    if (waiting != null) {
      startWorker(waiting);
    }
  }

  /** Refuses new steps; idle workers end now, busy ones after their step (and any step already queued). */
  void shutdown() {
    lock.lock();
    try {
      shutdown = true;
      for (Worker w : idle) {
        w.wake.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** @return workers started and not yet ended (abandoned ones included) */
  int liveWorkers() {
    lock.lock();
    try {
      return live;
    } finally {
      lock.unlock();
    }
  }

  /** @return workers running a step (abandoned ones included) */
  int busyWorkers() {
    lock.lock();
    try {
      return busy;
    } finally {
      lock.unlock();
    }
  }

  /** @return every thread this pool started */
  List<Thread> threads() {
    lock.lock();
    try {
      return List.copyOf(created);
    } finally {
      lock.unlock();
    }
  }

  private final class Worker implements Runnable {
    private final Condition wake = lock.newCondition();
    /** Guarded by lock: the step handed to this worker while it was idle. */
    private Runnable next;
    private Runnable first;

    Worker(Runnable first) {
      this.first = first;
    }

    @Override
    public void run() {
      Runnable task = first;
      first = null;
      try {
        while (task != null) {
          try {
            task.run();
          } catch (RuntimeException | Error e) {
            // A step's own failures are caught where it runs; this is a bug, and the worker must stay accounted for.
            LOG.error("A startup task threw; this is a bug in Steadfast", e);
          }
          task = takeNext();
        }
      } finally {
        Thread.interrupted();
      }
    }

    /** The next step for this worker, or null when it ends; ends the accounting of this worker when null. */
    private Runnable takeNext() {
      lock.lock();
      try {
        Runnable queuedTask = queued.pollFirst();
        if (queuedTask != null) {
          return queuedTask;
        }
        busy--;
        if (shutdown) {
          live--;
          return null;
        }
        idle.addFirst(this);
        long deadline = System.nanoTime() + idleTimeoutNanos;
        for (long left = idleTimeoutNanos; next == null && !shutdown && left > 0; ) {
          try {
            wake.awaitNanos(left);
          } catch (InterruptedException e) {
            // Only a late interrupt meant for the step this thread ran can arrive here (the pool never interrupts).
          }
          left = deadline - System.nanoTime();
        }
        Runnable task = next;
        next = null;
        if (task == null) {
          idle.remove(this);
          live--;
        }
        return task;
      } finally {
        lock.unlock();
      }
    }
  }
}
