package dev.steadfast.threads;

import dev.steadfast.diagnostics.ThreadLocalEntry;
import dev.steadfast.diagnostics.ThreadLocalMaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named pool of a manager: its thread factory, the weak registrations of its live threads, its counters, and the
 * per-task hooks (ThreadLocal hygiene, renewal) its executor calls on the worker thread.
 */
final class Pool implements ThreadFactory {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadManager.class);

  final ThreadManager manager;
  final String name;
  final PoolKind kind;
  final boolean daemon;
  final boolean inheritThreadLocals;
  /** Hygiene runs after each task. */
  final boolean hygiene;
  /** Hygiene was asked for but ThreadLocal maps are unreadable: renewal stands in for it. */
  final boolean hygieneFallback;
  /** Renew a worker after this many tasks; 0 = never. */
  final long renewAfterTasks;
  private final Predicate<? super ThreadLocalEntry> keepAdded;
  private final ThreadLocalMaps maps;
  private final Thread.UncaughtExceptionHandler uncaughtHandler;
  private final ThreadFactory virtualFactory;

  final Set<Registration> threads = ConcurrentHashMap.newKeySet();
  private final AtomicLong nextNumber = new AtomicLong();
  final AtomicLong created = new AtomicLong();
  final AtomicLong started = new AtomicLong();
  final AtomicLong terminated = new AtomicLong();
  final AtomicLong peak = new AtomicLong();
  private final AtomicLong retiredTasks = new AtomicLong();
  private final AtomicLong tasksReported = new AtomicLong();
  final LongAdder threadLocalsRemoved = new LongAdder();
  final LongAdder threadLocalsRestored = new LongAdder();
  final AtomicLong hygieneFailures = new AtomicLong();
  final AtomicLong renewals = new AtomicLong();
  final AtomicLong staleFound = new AtomicLong();
  final AtomicLong uncaught = new AtomicLong();
  /** The worker being renewed, until its replacement starts (or it ends): one renewal at a time. */
  private final AtomicReference<ManagedThread> retiring = new AtomicReference<>();

  /** Set once, right after the executor is built; null for a bare factory. */
  volatile ExecutorService executor;

  Pool(ThreadManager manager, String name, PoolKind kind, boolean daemon, boolean inheritThreadLocals,
      boolean hygieneRequested, long renewAfterTasks, long fallbackRenewAfterTasks, ThreadFactory virtualFactory) {
    this.manager = manager;
    this.name = name;
    this.kind = kind;
    this.daemon = daemon;
    this.inheritThreadLocals = inheritThreadLocals;
    this.maps = manager.threadLocalMaps();
    boolean pooled = kind == PoolKind.FIXED || kind == PoolKind.CACHED || kind == PoolKind.SCHEDULED;
    this.hygiene = pooled && hygieneRequested && maps.isAvailable();
    this.hygieneFallback = pooled && hygieneRequested && !maps.isAvailable();
    this.renewAfterTasks = hygieneFallback && renewAfterTasks == 0 ? fallbackRenewAfterTasks : renewAfterTasks;
    this.keepAdded = manager.retainedThreadLocals();
    this.uncaughtHandler = this::uncaughtException;
    this.virtualFactory = virtualFactory;
  }

  @Override
  public Thread newThread(Runnable task) {
    manager.checkCanCreateThread(name);
    String threadName = name + "-" + nextNumber.incrementAndGet();
    Thread thread;
    if (kind == PoolKind.VIRTUAL) {
      VirtualTask body = new VirtualTask(task);
      thread = virtualFactory.newThread(body);
      thread.setName(threadName);
      body.registration = register(thread);
    } else {
      ManagedThread managed = new ManagedThread(this, task, threadName, inheritThreadLocals);
      managed.setDaemon(daemon);
      managed.registration = register(managed);
      thread = managed;
    }
    thread.setUncaughtExceptionHandler(uncaughtHandler);
    created.incrementAndGet();
    return thread;
  }

  private Registration register(Thread thread) {
    Registration registration = manager.register(thread, this);
    threads.add(registration);
    return registration;
  }

  void threadStarted(ManagedThread thread) {
    if (retiring.get() != null) {
      // The executor starts a retiring worker's replacement before the retiring one ends: the renewal is done.
      retiring.set(null);
    }
    started(thread.registration);
  }

  private void started(Registration registration) {
    long live = started.incrementAndGet() - terminated.get();
    peak.accumulateAndGet(live, Math::max);
  }

  void threadEnded(ManagedThread thread) {
    retiredTasks.addAndGet(thread.tasksCompleted);
    thread.baseline = null;
    // No replacement was started (the pool is shutting down): the renewal is over anyway.
    retiring.compareAndSet(thread, null);
    ended(thread.registration);
  }

  private void ended(Registration registration) {
    terminated.incrementAndGet();
    threads.remove(registration);
  }

  /** Drops registrations of threads that were collected without ever running (never started). */
  void prune() {
    threads.removeIf(r -> r.get() == null);
  }

  void beforeFirstTask(ManagedThread thread) {
    if (hygiene) {
      // Whatever the thread holds before its first task (inherited values, a library's warm-up) is its clean state.
      thread.baseline = maps.capture();
    }
  }

  /** Called by the executor on the worker thread right before a task. */
  void beforeExecute(Thread thread) {
    ManagedThread worker = (ManagedThread) thread;
    worker.taskSequence++;
    worker.busy = true;
  }

  /** Called by the executor on the worker thread right after a task (also when it threw). */
  void afterExecute(Throwable thrown) {
    if (thrown instanceof RenewalSignal) {
      return; // second call the executor makes for our own signal, see requestRenewal
    }
    ManagedThread worker = (ManagedThread) Thread.currentThread();
    worker.busy = false;
    boolean renew = worker.renewalWanted;
    if (hygiene && !worker.baseline.isUnchanged() && !clean(worker)) {
      renew = true;
    }
    // Counted after hygiene, so a completed task's ThreadLocal counts are in when it shows as completed.
    long completed = ++worker.tasksCompleted;
    if (renewAfterTasks > 0 && completed >= renewAfterTasks) {
      renew = true;
    }
    if (renew) {
      requestRenewal(worker);
    }
  }

  private boolean clean(ManagedThread worker) {
    ThreadLocalMaps.Restoration restoration;
    try {
      restoration = maps.restore(worker.baseline, keepAdded);
    } catch (RuntimeException e) {
      // Restoring calls ThreadLocal subclasses' set/remove; whatever they throw must not kill the pool.
      hygieneFailures.incrementAndGet();
      LOG.warn("ThreadLocal hygiene failed on thread '{}' of pool '{}'; the thread will be renewed",
          worker.getName(), name, e);
      return false;
    }
    worker.baseline = restoration.after();
    threadLocalsRemoved.add(restoration.removed());
    threadLocalsRestored.add(restoration.restored());
    if (!restoration.isClean()) {
      hygieneFailures.incrementAndGet();
      LOG.warn("Thread '{}' of pool '{}' could not be returned to its pre-task ThreadLocal state, so it will be "
          + "renewed: {}", worker.getName(), name, restoration.problems());
      return false;
    }
    return true;
  }

  /**
   * Retires the calling worker by throwing out of the executor's worker loop after a completed task: the executor
   * then starts a replacement worker that continues with the queue, so no task is lost. One renewal at a time per
   * pool, until the replacement has started; a worker that has to wait tries again after its next task.
   */
  private void requestRenewal(ManagedThread worker) {
    worker.renewalWanted = true;
    if (retiring.compareAndSet(null, worker)) {
      renewals.incrementAndGet();
      throw RenewalSignal.INSTANCE;
    }
  }

  private void uncaughtException(Thread thread, Throwable error) {
    if (error instanceof RenewalSignal) {
      return;
    }
    uncaught.incrementAndGet();
    LOG.error("Uncaught exception in thread '{}' of pool '{}'", thread.getName(), name, error);
    manager.uncaughtExceptionHandler().ifPresent(h -> {
      try {
        h.uncaughtException(thread, error);
      } catch (RuntimeException e) {
        LOG.error("Uncaught-exception handler {} failed for thread '{}'", h, thread.getName(), e);
      }
    });
  }

  /** Live threads of this pool, strongly referenced only for the caller's use. */
  List<Thread> liveThreads() {
    List<Thread> out = new ArrayList<>();
    for (Registration r : threads) {
      Thread t = r.get();
      if (t != null && t.isAlive()) {
        out.add(t);
      }
    }
    return out;
  }

  /** Tasks waiting that could run now (for a scheduled pool: only those already due). */
  int queuedTasks() {
    if (!(executor instanceof ThreadPoolExecutor tpe)) {
      return 0;
    }
    BlockingQueue<Runnable> queue = tpe.getQueue();
    if (!(tpe instanceof ScheduledThreadPoolExecutor)) {
      return queue.size();
    }
    int due = 0;
    for (Runnable r : queue) {
      if (r instanceof Delayed d && d.getDelay(TimeUnit.NANOSECONDS) <= 0) {
        due++;
      }
    }
    return due;
  }

  long tasksCompleted() {
    long sum = retiredTasks.get();
    for (Registration r : threads) {
      if (r.get() instanceof ManagedThread t) {
        sum += t.tasksCompleted;
      }
    }
    // Racy with threads ending mid-sum; never report a smaller count than before (it is a counter).
    return tasksReported.accumulateAndGet(sum, Math::max);
  }

  long live() {
    return Math.max(0, started.get() - terminated.get());
  }

  PoolStatistics statistics() {
    return new PoolStatistics(name, kind, created.get(), terminated.get(), live(), peak.get(), tasksCompleted(),
        queuedTasks(), threadLocalsRemoved.sum(), threadLocalsRestored.sum(), hygieneFailures.get(), renewals.get(),
        staleFound.get(), uncaught.get(), hygiene, hygieneFallback);
  }

  /** Workers must come from the manager, or they escape tracking and hygiene. */
  UnsupportedOperationException threadFactoryReplacementRejected() {
    return new UnsupportedOperationException("pool '" + name + "' is managed by ThreadManager '" + manager.name()
        + "'; its thread factory cannot be replaced");
  }

  @Override
  public String toString() {
    return "pool '" + name + "'";
  }

  /** A virtual thread's body: one task, counted, and the registration dropped when it ends. */
  private final class VirtualTask implements Runnable {
    private final Runnable task;
    Registration registration;

    VirtualTask(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      started(registration);
      try {
        task.run();
      } finally {
        retiredTasks.incrementAndGet();
        ended(registration);
      }
    }
  }

  /** Thrown from {@code afterExecute} to retire a worker; carries no stack, never reaches a handler. */
  static final class RenewalSignal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final RenewalSignal INSTANCE = new RenewalSignal();

    private RenewalSignal() {
      super("thread renewal", null, false, false);
    }
  }
}
