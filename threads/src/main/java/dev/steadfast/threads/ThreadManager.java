package dev.steadfast.threads;

import dev.steadfast.diagnostics.ThreadLocalEntry;
import dev.steadfast.diagnostics.ThreadLocalMaps;
import dev.steadfast.diagnostics.ThreadSnapshot;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and accounts for every thread of a service: named thread factories, managed executors (fixed, cached,
 * scheduled, and virtual-thread executors on JDK 21+), ThreadLocal hygiene after each pooled task, worker renewal,
 * stale-thread detection, statistics, and an ordered shutdown that reports what did not stop.
 *
 * <p><b>Threads.</b> Every thread is named {@code <pool>-<n>} (n counts from 1 per pool and is never reused), gets the
 * pool's daemon flag and an uncaught-exception handler that logs, counts and then calls
 * {@link Builder#uncaughtExceptionHandler} if set. The manager registers each thread <em>weakly</em>: tracking never
 * keeps a dead thread, or anything it references, alive. With {@link Builder#captureCreationSite} each registration
 * also keeps the stack that created the thread ({@link #creationSite(Thread)}).
 *
 * <p><b>ThreadLocal hygiene</b> (pooled executors, on by default). After each task the worker's ThreadLocal maps are
 * returned to their state before the task: entries the task added are removed, entries it replaced or removed get
 * their value back, entries present before are kept (a library's deliberate per-thread cache: set it up before the
 * first task, or let {@link Builder#keepAddedThreadLocals} keep it). The JDK's own caches are always kept. A task
 * that touches no ThreadLocal costs a short identity comparison. Hygiene needs the JVM option
 * {@value ThreadLocalMaps#ADD_OPENS}; without it pools renew their workers every
 * {@link Builder#fallbackRenewAfterTasks} tasks instead, the manager logs that once, and
 * {@link PoolStatistics#hygieneFallback()} shows it.
 *
 * <p><b>Renewal.</b> A worker is retired after {@link PoolBuilder#renewAfterTasks} tasks, or after a task whose
 * ThreadLocal changes hygiene could not undo. The executor starts the replacement first; no task is dropped; one
 * worker per pool is renewed at a time (the next renewal waits until the previous replacement has started, so the
 * pool never runs short of workers; a worker that has to wait is renewed after a later task).
 *
 * <p><b>Stale threads.</b> One daemon thread per manager ({@code <name>-stale-detector}) checks every
 * {@link Builder#staleCheckPeriod}: it prunes registrations of threads that are gone, and reports a worker seen
 * blocked or waiting in the same task for {@link Builder#staleThreshold} while its pool has queued work: logged with
 * its stack, counted, and passed to {@link Builder#onStaleThread}.
 *
 * <p><b>Lifecycle.</b> RUNNING (from {@link Builder#build()}) → CLOSING (in {@link #shutdown()}/{@link #close()}) →
 * CLOSED (terminal). While RUNNING pools can be created; while CLOSING existing pools may still create threads (a
 * renewal during the drain); once CLOSED no thread can be created. Shutdown goes through the pools in reverse
 * creation order (a later pool may submit to an earlier one): {@code shutdown()} and wait, all within
 * {@link Builder#shutdownTimeout}; pools still running are then interrupted ({@code shutdownNow}, or
 * {@link Thread#interrupt()} for bare-factory threads) and given {@link Builder#interruptTimeout}; threads alive after
 * that are reported with their stacks in the {@link ShutdownReport}.
 *
 * <pre>{@code
 * try (ThreadManager threads = ThreadManager.builder().name("orders").build()) {
 *   ExecutorService http = threads.pool("http").threads(16).renewAfterTasks(100_000).fixed();
 *   ScheduledExecutorService timers = threads.pool("timers").scheduled();
 *   ThreadFactory netty = threads.threadFactory("netty-io");
 *   ...
 *   log.info("{}", threads.snapshot());
 * }
 * }</pre>
 */
public final class ThreadManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadManager.class);

  /** Default manager name, used for its detector thread and in reports. */
  public static final String DEFAULT_NAME = "threads";
  /** Default time for pools to finish queued and running tasks on shutdown before they are interrupted. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  /** Default time for interrupted threads to end before they are reported as still running. */
  public static final Duration DEFAULT_INTERRUPT_TIMEOUT = Duration.ofSeconds(5);
  /** Default period of the stale-thread check. */
  public static final Duration DEFAULT_STALE_CHECK_PERIOD = Duration.ofSeconds(30);
  /** Default time a worker must be stuck in one task (while work is queued) to be reported. */
  public static final Duration DEFAULT_STALE_THRESHOLD = Duration.ofMinutes(2);
  /** Default daemon flag of pool threads: the manager, not the JVM exit, is what stops them. */
  public static final boolean DEFAULT_DAEMON = true;
  /** Default for ThreadLocal hygiene after each pooled task. */
  public static final boolean DEFAULT_THREAD_LOCAL_HYGIENE = true;
  /** Default renewal interval of pooled workers when hygiene is wanted but unavailable. */
  public static final long DEFAULT_FALLBACK_RENEW_AFTER_TASKS = 1_000;
  /** System property turning creation-site capture on by default ({@code true}/{@code false}). */
  public static final String PROP_CAPTURE_CREATION_SITE = "steadfast.threads.captureCreationSite";
  /** Default of creation-site capture: off (it costs a stack walk per thread), unless the system property says so. */
  public static final boolean DEFAULT_CAPTURE_CREATION_SITE = Boolean.getBoolean(PROP_CAPTURE_CREATION_SITE);

  private enum State { RUNNING, CLOSING, CLOSED }

  private final String name;
  private final Duration shutdownTimeout;
  private final Duration interruptTimeout;
  private final boolean captureCreationSite;
  private final boolean daemon;
  private final boolean threadLocalHygiene;
  private final long fallbackRenewAfterTasks;
  private final Predicate<? super ThreadLocalEntry> keepAddedThreadLocals;
  private final Thread.UncaughtExceptionHandler uncaughtExceptionHandler;
  private final Consumer<? super StaleThread> onStaleThread;
  private final ThreadLocalMaps maps;
  private final VirtualThreads virtualThreads;

  private final List<Pool> pools = new CopyOnWriteArrayList<>();
  private final List<Consumer<Pool>> poolListeners = new CopyOnWriteArrayList<>();
  private final ReferenceQueue<Thread> collected = new ReferenceQueue<>();
  private final AtomicBoolean fallbackAnnounced = new AtomicBoolean();
  private final ScheduledThreadPoolExecutor detector;
  private final Object lifecycleLock = new Object();
  private volatile State state = State.RUNNING;
  private ShutdownReport shutdownReport; // guarded by lifecycleLock

  private ThreadManager(Builder b, ThreadLocalMaps maps) {
    this.name = b.name;
    this.shutdownTimeout = b.shutdownTimeout;
    this.interruptTimeout = b.interruptTimeout;
    this.captureCreationSite = b.captureCreationSite;
    this.daemon = b.daemon;
    this.threadLocalHygiene = b.threadLocalHygiene;
    this.fallbackRenewAfterTasks = b.fallbackRenewAfterTasks;
    Predicate<ThreadLocalEntry> jdk = ThreadLocalEntry::isJdkInternal;
    this.keepAddedThreadLocals = b.keepAddedThreadLocals == null ? jdk : jdk.or(b.keepAddedThreadLocals);
    this.uncaughtExceptionHandler = b.uncaughtExceptionHandler;
    this.onStaleThread = b.onStaleThread;
    this.maps = maps;
    this.virtualThreads = VirtualThreads.lookup();
    String detectorName = name + "-stale-detector";
    this.detector = new ScheduledThreadPoolExecutor(1, task -> {
      Thread t = new Thread(task, detectorName);
      t.setDaemon(true);
      return t;
    });
    detector.setRemoveOnCancelPolicy(true);
    long period = b.staleCheckPeriod.toNanos();
    detector.scheduleWithFixedDelay(new StaleThreadDetector(this, b.staleThreshold), period, period,
        TimeUnit.NANOSECONDS);
  }

  /**
   * Starts configuring a manager.
   *
   * @return a builder with every setting at its {@code DEFAULT_*}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A manager with every setting at its default.
   *
   * @return a running manager; close it
   */
  public static ThreadManager ofDefaults() {
    return builder().build();
  }

  /**
   * The manager's name.
   *
   * @return the name given to {@link Builder#name(String)}
   */
  public String name() {
    return name;
  }

  /**
   * A thread factory for threads someone else runs (an event loop, a library's pool): named {@code <pool>-<n>},
   * tracked, with the manager's daemon flag and uncaught-exception reporting. Same as
   * {@code pool(pool).factory()}.
   *
   * @param pool the pool name, unique within this manager
   * @return the factory
   * @throws IllegalArgumentException if the name is blank
   * @throws IllegalStateException if the name is taken or the manager is closed
   */
  public ThreadFactory threadFactory(String pool) {
    return pool(pool).factory();
  }

  /**
   * Starts configuring a pool; finish with {@link PoolBuilder#fixed()}, {@link PoolBuilder#cached()},
   * {@link PoolBuilder#scheduled()}, {@link PoolBuilder#virtual()} or {@link PoolBuilder#factory()}.
   *
   * @param pool the pool name, unique within this manager; threads are named {@code <pool>-<n>}
   * @return the pool builder
   * @throws IllegalArgumentException if the name is null or blank
   */
  public PoolBuilder pool(String pool) {
    if (pool == null || pool.isBlank()) {
      throw new IllegalArgumentException("pool name must not be blank: '" + pool + "'");
    }
    return new PoolBuilder(this, pool);
  }

  /**
   * Whether {@link PoolBuilder#virtual()} works here (JDK 21+).
   *
   * @return true when virtual threads are available
   */
  public boolean virtualThreadsSupported() {
    return virtualThreads.unsupportedReason().isEmpty();
  }

  /**
   * Counters of every pool, as an immutable snapshot.
   *
   * @return the statistics
   */
  public ThreadStatistics snapshot() {
    List<PoolStatistics> out = new ArrayList<>();
    for (Pool pool : pools) {
      out.add(pool.statistics());
    }
    return new ThreadStatistics(name, maps.isAvailable(), maps.unavailableReason(), out);
  }

  /**
   * Threads of this manager's pools that are alive now.
   *
   * @return the threads (the list holds them strongly; don't keep it)
   */
  public List<Thread> liveThreads() {
    List<Thread> out = new ArrayList<>();
    for (Pool pool : pools) {
      out.addAll(pool.liveThreads());
    }
    return out;
  }

  /**
   * Where a thread of this manager was created, if {@link Builder#captureCreationSite} is on.
   *
   * @param thread a thread
   * @return the stack that created it (innermost frame first, the manager's own frames left out); empty if the
   *     thread is not tracked by this manager or capture is off
   */
  public Optional<List<StackTraceElement>> creationSite(Thread thread) {
    Registration r = registrationOf(thread);
    return r == null ? Optional.empty() : Optional.ofNullable(r.creationSite);
  }

  /**
   * Whether {@link #close()} or {@link #shutdown()} has begun.
   *
   * @return true once closing has started
   */
  public boolean isClosed() {
    return state != State.RUNNING;
  }

  /**
   * Shuts every pool down (see the class comment for the order and timeouts) and reports threads that did not end.
   * Idempotent: later calls return the first report. Blocks for at most the shutdown timeout plus the interrupt
   * timeout.
   *
   * @return what happened
   */
  public ShutdownReport shutdown() {
    synchronized (lifecycleLock) {
      if (shutdownReport != null) {
        return shutdownReport;
      }
      state = State.CLOSING;
      long start = System.nanoTime();
      detector.shutdownNow();
      List<Pool> order = new ArrayList<>(pools);
      Collections.reverse(order);
      long graceDeadline = start + shutdownTimeout.toNanos();
      for (Pool pool : order) {
        if (pool.executor != null) {
          pool.executor.shutdown();
          awaitTermination(pool.executor, graceDeadline);
        }
        joinAll(pool.liveThreads(), graceDeadline);
      }
      List<String> interrupted = new ArrayList<>();
      for (Pool pool : order) {
        List<Thread> live = pool.liveThreads();
        boolean executorDone = pool.executor == null || pool.executor.isTerminated();
        if (live.isEmpty() && executorDone) {
          continue;
        }
        interrupted.add(pool.name);
        LOG.warn("Pool '{}' of ThreadManager '{}' did not finish within {} ms; interrupting {} thread(s)",
            pool.name, name, shutdownTimeout.toMillis(), live.size());
        if (pool.executor != null) {
          pool.executor.shutdownNow();
        }
        live.forEach(Thread::interrupt);
      }
      long interruptDeadline = System.nanoTime() + interruptTimeout.toNanos();
      for (Pool pool : order) {
        if (pool.executor != null) {
          awaitTermination(pool.executor, interruptDeadline);
        }
        joinAll(pool.liveThreads(), interruptDeadline);
      }
      awaitTermination(detector, interruptDeadline);
      List<StuckThread> stuck = new ArrayList<>();
      for (Pool pool : order) {
        for (Thread t : pool.liveThreads()) {
          Registration r = registrationOf(t);
          stuck.add(new StuckThread(pool.name, ThreadSnapshot.of(t),
              r == null || r.creationSite == null ? List.of() : r.creationSite));
        }
      }
      state = State.CLOSED;
      shutdownReport = new ShutdownReport(name, Duration.ofNanos(System.nanoTime() - start), interrupted, stuck);
      return shutdownReport;
    }
  }

  /**
   * {@link #shutdown()}, logging the report: at WARN with every stuck thread's stack when not clean.
   */
  @Override
  public void close() {
    ShutdownReport report = shutdown();
    if (report.isClean()) {
      LOG.debug("{}", report);
    } else {
      LOG.warn("{}", report);
    }
  }

  @Override
  public String toString() {
    return "ThreadManager '" + name + "' (" + state + ", " + pools.size() + " pools)";
  }

  // ---- package-private: used by pools, the detector and the metrics binder ----

  ThreadLocalMaps threadLocalMaps() {
    return maps;
  }

  Predicate<? super ThreadLocalEntry> retainedThreadLocals() {
    return keepAddedThreadLocals;
  }

  Optional<Thread.UncaughtExceptionHandler> uncaughtExceptionHandler() {
    return Optional.ofNullable(uncaughtExceptionHandler);
  }

  List<Pool> pools() {
    return pools;
  }

  /** Calls {@code listener} for every pool now and every pool created later (the metrics binder uses it). */
  void forEachPool(Consumer<Pool> listener) {
    synchronized (poolListeners) {
      poolListeners.add(listener);
      pools.forEach(listener);
    }
  }

  void checkCanCreateThread(String pool) {
    if (state == State.CLOSED) {
      throw new IllegalStateException("ThreadManager '" + name + "' is closed: cannot create a thread for pool '"
          + pool + "'");
    }
  }

  Registration register(Thread thread, Pool pool) {
    prune();
    List<StackTraceElement> site = null;
    if (captureCreationSite) {
      StackTraceElement[] frames = new Throwable().getStackTrace();
      int first = 0;
      while (first < frames.length && isOwnFrame(frames[first])) {
        first++;
      }
      site = List.copyOf(Arrays.asList(frames).subList(first, frames.length));
    }
    return new Registration(thread, pool, site, collected);
  }

  private static boolean isOwnFrame(StackTraceElement frame) {
    String c = frame.getClassName();
    return c.equals(ThreadManager.class.getName()) || c.equals(Pool.class.getName());
  }

  /** Forgets threads that were collected without running (the only ones that do not deregister themselves). */
  void prune() {
    boolean any = false;
    for (Reference<? extends Thread> r = collected.poll(); r != null; r = collected.poll()) {
      ((Registration) r).pool.threads.remove(r);
      any = true;
    }
    if (any) {
      pools.forEach(Pool::prune);
    }
  }

  void reportStale(Pool pool, StaleThread stale) {
    pool.staleFound.incrementAndGet();
    LOG.warn("{}", stale);
    if (onStaleThread != null) {
      try {
        onStaleThread.accept(stale);
      } catch (RuntimeException e) {
        LOG.warn("Stale-thread listener {} of ThreadManager '{}' failed", onStaleThread, name, e);
      }
    }
  }

  private Registration registrationOf(Thread thread) {
    for (Pool pool : pools) {
      for (Registration r : pool.threads) {
        if (r.get() == thread) {
          return r;
        }
      }
    }
    return null;
  }

  private Pool addPool(PoolBuilder spec, PoolKind kind, boolean hygieneRequested, long renewAfterTasks) {
    synchronized (poolListeners) {
      if (state != State.RUNNING) {
        throw new IllegalStateException("ThreadManager '" + name + "' is closed: cannot create pool '" + spec.name
            + "'");
      }
      for (Pool existing : pools) {
        if (existing.name.equals(spec.name)) {
          throw new IllegalStateException("pool '" + spec.name + "' already exists in ThreadManager '" + name
              + "'; pool names must be unique");
        }
      }
      if (kind == PoolKind.VIRTUAL && !virtualThreadsSupported()) {
        throw new UnsupportedOperationException("pool '" + spec.name + "': "
            + virtualThreads.unsupportedReason().orElseThrow());
      }
      Pool pool = new Pool(this, spec.name, kind, spec.daemon == null ? daemon : spec.daemon,
          spec.inheritThreadLocals == null ? PoolBuilder.DEFAULT_INHERIT_THREAD_LOCALS : spec.inheritThreadLocals,
          hygieneRequested, renewAfterTasks, fallbackRenewAfterTasks, virtualThreads.factory());
      if (pool.hygieneFallback && fallbackAnnounced.compareAndSet(false, true)) {
        LOG.warn("ThreadLocal hygiene is unavailable in ThreadManager '{}', so pooled threads are renewed every {} "
            + "tasks instead (unless a pool sets renewAfterTasks). {}", name, pool.renewAfterTasks,
            maps.unavailableReason().orElse(""));
      }
      return pool;
    }
  }

  private void publish(Pool pool, ExecutorService executor) {
    pool.executor = executor;
    synchronized (poolListeners) {
      pools.add(pool);
      poolListeners.forEach(l -> l.accept(pool));
    }
  }

  private static void awaitTermination(ExecutorService executor, long deadlineNanos) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      return;
    }
    try {
      executor.awaitTermination(remaining, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      // Whoever interrupted the closing thread wants it back: stop waiting, keep the flag for them.
      Thread.currentThread().interrupt();
    }
  }

  private static void joinAll(List<Thread> threads, long deadlineNanos) {
    for (Thread t : threads) {
      if (t == Thread.currentThread()) {
        continue; // closed from one of its own threads (a task): it cannot wait for itself
      }
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
        return;
      }
      try {
        TimeUnit.NANOSECONDS.timedJoin(t, remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Configures one pool of a {@link ThreadManager}. Settings apply to the kinds noted on each; setting one that the
   * chosen kind does not use is an error (reported, all at once, by the finishing method). Each setting may be set
   * once.
   *
   * <pre>{@code
   * ExecutorService workers = manager.pool("workers").threads(8).queueCapacity(10_000).renewAfterTasks(50_000).fixed();
   * ExecutorService io = manager.pool("io").threads(64).keepAlive(Duration.ofSeconds(30)).cached();
   * ScheduledExecutorService timers = manager.pool("timers").threads(2).scheduled();
   * ExecutorService requests = manager.pool("requests").virtual(); // JDK 21+
   * }</pre>
   */
  public static final class PoolBuilder {
    /** Default worker count of a scheduled pool. */
    public static final int DEFAULT_SCHEDULED_THREADS = 1;
    /** Default maximum worker count of a cached pool: unbounded, as {@code Executors.newCachedThreadPool}. */
    public static final int DEFAULT_CACHED_MAX_THREADS = Integer.MAX_VALUE;
    /** Default idle time after which a cached pool's worker ends. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(60);
    /** Default queue capacity of a fixed pool: unbounded, as {@code Executors.newFixedThreadPool}. */
    public static final int DEFAULT_QUEUE_CAPACITY = Integer.MAX_VALUE;
    /** Default renewal interval: never (0), unless hygiene is unavailable. */
    public static final long DEFAULT_RENEW_AFTER_TASKS = 0;
    /** Default: new threads inherit the creating thread's InheritableThreadLocals, as in the JDK. */
    public static final boolean DEFAULT_INHERIT_THREAD_LOCALS = true;

    private final ThreadManager manager;
    private final String name;
    private Integer threads;
    private Boolean daemon;
    private Boolean inheritThreadLocals;
    private Integer queueCapacity;
    private Duration keepAlive;
    private Long renewAfterTasks;
    private Boolean threadLocalHygiene;

    private PoolBuilder(ThreadManager manager, String name) {
      this.manager = manager;
      this.name = name;
    }

    /**
     * Number of workers: required for {@code fixed()}; for {@code scheduled()} default
     * {@value #DEFAULT_SCHEDULED_THREADS}; for {@code cached()} the maximum, default unbounded.
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public PoolBuilder threads(int threads) {
      requireUnset("threads", this.threads);
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1: " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Daemon flag of the pool's platform threads; default {@link Builder#daemon(boolean)} of the manager. Not for
     * virtual threads (always daemon).
     *
     * @param daemon whether threads are daemon threads
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public PoolBuilder daemon(boolean daemon) {
      requireUnset("daemon", this.daemon);
      this.daemon = daemon;
      return this;
    }

    /**
     * Whether new platform threads copy the creating thread's InheritableThreadLocals; default
     * {@value #DEFAULT_INHERIT_THREAD_LOCALS}. Turning it off stops request-scoped values from reaching workers that
     * happen to be started by a request thread.
     *
     * @param inherit whether to inherit
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public PoolBuilder inheritThreadLocals(boolean inherit) {
      requireUnset("inheritThreadLocals", this.inheritThreadLocals);
      this.inheritThreadLocals = inherit;
      return this;
    }

    /**
     * Bound of a fixed pool's queue; tasks beyond it are rejected ({@code RejectedExecutionException}). Default
     * unbounded. Only for {@code fixed()}.
     *
     * @param capacity at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public PoolBuilder queueCapacity(int capacity) {
      requireUnset("queueCapacity", this.queueCapacity);
      if (capacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be at least 1: " + capacity);
      }
      this.queueCapacity = capacity;
      return this;
    }

    /**
     * Idle time after which a cached pool's worker ends; default {@link #DEFAULT_KEEP_ALIVE}. Only for
     * {@code cached()}.
     *
     * @param keepAlive positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public PoolBuilder keepAlive(Duration keepAlive) {
      requireUnset("keepAlive", this.keepAlive);
      this.keepAlive = requirePositive("keepAlive", keepAlive);
      return this;
    }

    /**
     * Retire each worker after this many tasks (one worker at a time; no task is lost). Default
     * {@value #DEFAULT_RENEW_AFTER_TASKS} = never, or {@link Builder#fallbackRenewAfterTasks} when hygiene is
     * unavailable. Pooled kinds only.
     *
     * @param tasks 0 (never) or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public PoolBuilder renewAfterTasks(long tasks) {
      requireUnset("renewAfterTasks", this.renewAfterTasks);
      if (tasks < 0) {
        throw new IllegalArgumentException("renewAfterTasks must be 0 (never) or positive: " + tasks);
      }
      this.renewAfterTasks = tasks;
      return this;
    }

    /**
     * ThreadLocal hygiene after each task; default {@link Builder#threadLocalHygiene(boolean)} of the manager.
     * Pooled kinds only.
     *
     * @param enabled whether to run hygiene
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public PoolBuilder threadLocalHygiene(boolean enabled) {
      requireUnset("threadLocalHygiene", this.threadLocalHygiene);
      this.threadLocalHygiene = enabled;
      return this;
    }

    /**
     * A pool of {@code threads} workers with a (by default unbounded) FIFO queue.
     *
     * @return the executor; the manager shuts it down
     * @throws IllegalStateException if {@code threads} is missing, a setting does not apply, the name is taken or the
     *     manager is closed
     */
    public ExecutorService fixed() {
      check(PoolKind.FIXED, threads == null ? "threads must be set for a fixed pool: call threads(n)" : null,
          keepAlive != null ? "keepAlive" : null);
      Pool pool = pooled(PoolKind.FIXED);
      BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>(or(queueCapacity, DEFAULT_QUEUE_CAPACITY));
      ManagedThreadPoolExecutor executor = new ManagedThreadPoolExecutor(pool, threads, threads, 0, queue);
      manager.publish(pool, executor);
      return executor;
    }

    /**
     * A pool that starts a worker when none is idle (up to {@code threads}; beyond, tasks are rejected) and ends
     * workers idle for {@code keepAlive}.
     *
     * @return the executor; the manager shuts it down
     * @throws IllegalStateException if a setting does not apply, the name is taken or the manager is closed
     */
    public ExecutorService cached() {
      check(PoolKind.CACHED, null, queueCapacity != null ? "queueCapacity" : null);
      Pool pool = pooled(PoolKind.CACHED);
      ManagedThreadPoolExecutor executor = new ManagedThreadPoolExecutor(pool, 0,
          or(threads, DEFAULT_CACHED_MAX_THREADS), or(keepAlive, DEFAULT_KEEP_ALIVE).toNanos(),
          new SynchronousQueue<>());
      manager.publish(pool, executor);
      return executor;
    }

    /**
     * A pool for delayed and periodic tasks ({@code threads} workers, default {@value #DEFAULT_SCHEDULED_THREADS});
     * cancelled tasks leave its queue at once.
     *
     * @return the executor; the manager shuts it down
     * @throws IllegalStateException if a setting does not apply, the name is taken or the manager is closed
     */
    public ScheduledExecutorService scheduled() {
      check(PoolKind.SCHEDULED, null, queueCapacity != null ? "queueCapacity" : null,
          keepAlive != null ? "keepAlive" : null);
      Pool pool = pooled(PoolKind.SCHEDULED);
      ManagedScheduledThreadPoolExecutor executor =
          new ManagedScheduledThreadPoolExecutor(pool, or(threads, DEFAULT_SCHEDULED_THREADS));
      manager.publish(pool, executor);
      return executor;
    }

    /**
     * One new virtual thread per task (JDK 21+; chosen at run time, see
     * {@link ThreadManager#virtualThreadsSupported()}). Threads are named and tracked like the others; no hygiene is
     * needed since no thread runs two tasks.
     *
     * @return the executor; the manager shuts it down
     * @throws UnsupportedOperationException before JDK 21, saying so
     * @throws IllegalStateException if a setting does not apply, the name is taken or the manager is closed
     */
    public ExecutorService virtual() {
      check(PoolKind.VIRTUAL, null, threads != null ? "threads" : null, daemon != null ? "daemon" : null,
          inheritThreadLocals != null ? "inheritThreadLocals" : null, queueCapacity != null ? "queueCapacity" : null,
          keepAlive != null ? "keepAlive" : null, renewAfterTasks != null ? "renewAfterTasks" : null,
          threadLocalHygiene != null ? "threadLocalHygiene" : null);
      Pool pool = manager.addPool(this, PoolKind.VIRTUAL, false, 0);
      ExecutorService executor = manager.virtualThreads.newThreadPerTaskExecutor(pool);
      manager.publish(pool, executor);
      return executor;
    }

    /**
     * A bare thread factory: named, tracked threads run by someone else (no hygiene, no renewal). The manager
     * interrupts its threads that are still alive when it closes.
     *
     * @return the factory
     * @throws IllegalStateException if a setting does not apply, the name is taken or the manager is closed
     */
    public ThreadFactory factory() {
      check(PoolKind.FACTORY, null, threads != null ? "threads" : null, queueCapacity != null ? "queueCapacity" : null,
          keepAlive != null ? "keepAlive" : null, renewAfterTasks != null ? "renewAfterTasks" : null,
          threadLocalHygiene != null ? "threadLocalHygiene" : null);
      Pool pool = manager.addPool(this, PoolKind.FACTORY, false, 0);
      manager.publish(pool, null);
      return pool;
    }

    private Pool pooled(PoolKind kind) {
      return manager.addPool(this, kind, or(threadLocalHygiene, manager.threadLocalHygiene),
          or(renewAfterTasks, DEFAULT_RENEW_AFTER_TASKS));
    }

    /** Reports a missing required setting and every setting the kind does not use, in one message. */
    private void check(PoolKind kind, String missing, String... inapplicable) {
      List<String> problems = new ArrayList<>();
      if (missing != null) {
        problems.add(missing);
      }
      List<String> unused = new ArrayList<>();
      for (String setting : inapplicable) {
        if (setting != null) {
          unused.add(setting);
        }
      }
      if (!unused.isEmpty()) {
        problems.add(String.join(", ", unused) + (unused.size() == 1 ? " does" : " do") + " not apply to a "
            + kind.name().toLowerCase(java.util.Locale.ROOT) + " pool: remove " + (unused.size() == 1 ? "it" : "them"));
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException("pool '" + name + "' is misconfigured: " + String.join("; ", problems));
      }
    }

    private static <T> T or(T value, T fallback) {
      return value == null ? fallback : value;
    }
  }

  /**
   * Configures a {@link ThreadManager}; every setting defaults to the matching {@code DEFAULT_*} constant of
   * {@link ThreadManager}. Each setting may be set once.
   *
   * <pre>{@code
   * ThreadManager threads = ThreadManager.builder()
   *     .name("orders")
   *     .shutdownTimeout(Duration.ofSeconds(20))
   *     .staleThreshold(Duration.ofMinutes(5))
   *     .keepAddedThreadLocals(e -> e.threadLocal() == MyLibrary.BUFFER_CACHE)
   *     .onStaleThread(stale -> alerts.raise(stale.toString()))
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    private String name = DEFAULT_NAME;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private Duration interruptTimeout = DEFAULT_INTERRUPT_TIMEOUT;
    private Duration staleCheckPeriod = DEFAULT_STALE_CHECK_PERIOD;
    private Duration staleThreshold = DEFAULT_STALE_THRESHOLD;
    private boolean captureCreationSite = DEFAULT_CAPTURE_CREATION_SITE;
    private boolean daemon = DEFAULT_DAEMON;
    private boolean threadLocalHygiene = DEFAULT_THREAD_LOCAL_HYGIENE;
    private long fallbackRenewAfterTasks = DEFAULT_FALLBACK_RENEW_AFTER_TASKS;
    private Predicate<? super ThreadLocalEntry> keepAddedThreadLocals;
    private Thread.UncaughtExceptionHandler uncaughtExceptionHandler;
    private Consumer<? super StaleThread> onStaleThread;
    private final List<String> set = new ArrayList<>();

    private Builder() {
    }

    /**
     * Name of the manager (its detector thread is {@code <name>-stale-detector}); default {@value #DEFAULT_NAME}.
     *
     * @param name not blank
     * @return this builder
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      once("name", this.name);
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank: '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /**
     * Time all pools together get on shutdown to finish their tasks before being interrupted; default
     * {@link #DEFAULT_SHUTDOWN_TIMEOUT}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder shutdownTimeout(Duration timeout) {
      once("shutdownTimeout", shutdownTimeout);
      shutdownTimeout = requirePositive("shutdownTimeout", timeout);
      return this;
    }

    /**
     * Time interrupted threads get to end before they are reported; default {@link #DEFAULT_INTERRUPT_TIMEOUT}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder interruptTimeout(Duration timeout) {
      once("interruptTimeout", interruptTimeout);
      interruptTimeout = requirePositive("interruptTimeout", timeout);
      return this;
    }

    /**
     * Period of the stale-thread check; default {@link #DEFAULT_STALE_CHECK_PERIOD}.
     *
     * @param period positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder staleCheckPeriod(Duration period) {
      once("staleCheckPeriod", staleCheckPeriod);
      staleCheckPeriod = requirePositive("staleCheckPeriod", period);
      return this;
    }

    /**
     * How long a worker must be seen blocked or waiting in one task, while its pool has queued work, to be reported;
     * default {@link #DEFAULT_STALE_THRESHOLD}. Detection happens at the first check after that.
     *
     * @param threshold positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder staleThreshold(Duration threshold) {
      once("staleThreshold", staleThreshold);
      staleThreshold = requirePositive("staleThreshold", threshold);
      return this;
    }

    /**
     * Record the stack that creates each thread (a stack walk per thread); default
     * {@link #DEFAULT_CAPTURE_CREATION_SITE}, i.e. system property {@value #PROP_CAPTURE_CREATION_SITE}.
     *
     * @param capture whether to capture
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder captureCreationSite(boolean capture) {
      once("captureCreationSite", captureCreationSite);
      captureCreationSite = capture;
      return this;
    }

    /**
     * Daemon flag of pool threads unless a pool sets its own; default {@value #DEFAULT_DAEMON}.
     *
     * @param daemon whether threads are daemon threads
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder daemon(boolean daemon) {
      once("daemon", this.daemon);
      this.daemon = daemon;
      return this;
    }

    /**
     * ThreadLocal hygiene for pooled executors unless a pool sets its own; default
     * {@value #DEFAULT_THREAD_LOCAL_HYGIENE}.
     *
     * @param enabled whether hygiene runs after each task
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder threadLocalHygiene(boolean enabled) {
      once("threadLocalHygiene", threadLocalHygiene);
      threadLocalHygiene = enabled;
      return this;
    }

    /**
     * Renewal interval of pooled workers when hygiene is wanted but ThreadLocal maps are unreadable (no add-opens)
     * and the pool sets no {@code renewAfterTasks}; default {@value #DEFAULT_FALLBACK_RENEW_AFTER_TASKS}.
     *
     * @param tasks at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public Builder fallbackRenewAfterTasks(long tasks) {
      once("fallbackRenewAfterTasks", fallbackRenewAfterTasks);
      if (tasks < 1) {
        throw new IllegalArgumentException("fallbackRenewAfterTasks must be at least 1: " + tasks);
      }
      fallbackRenewAfterTasks = tasks;
      return this;
    }

    /**
     * ThreadLocal entries that a task adds and hygiene should keep (a library's deliberate per-thread cache that is
     * first created inside a task). The JDK's own caches ({@link ThreadLocalEntry#isJdkInternal()}) are always kept.
     * Default: none.
     *
     * @param keep accepts the entries to keep; called on the worker thread after a task that changed its maps
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder keepAddedThreadLocals(Predicate<? super ThreadLocalEntry> keep) {
      once("keepAddedThreadLocals", keepAddedThreadLocals);
      keepAddedThreadLocals = Objects.requireNonNull(keep, "keepAddedThreadLocals");
      return this;
    }

    /**
     * Called for an exception that ends a managed thread, after the manager has logged and counted it. Default: none.
     *
     * @param handler the handler; its own exceptions are logged
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder uncaughtExceptionHandler(Thread.UncaughtExceptionHandler handler) {
      once("uncaughtExceptionHandler", uncaughtExceptionHandler);
      uncaughtExceptionHandler = Objects.requireNonNull(handler, "uncaughtExceptionHandler");
      return this;
    }

    /**
     * Called on the detector thread for each stale thread found, after it is logged and counted. Default: none.
     *
     * @param listener the listener; its exceptions are logged
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder onStaleThread(Consumer<? super StaleThread> listener) {
      once("onStaleThread", onStaleThread);
      onStaleThread = Objects.requireNonNull(listener, "onStaleThread");
      return this;
    }

    /**
     * Builds and starts the manager (and its stale-thread detector thread).
     *
     * @return a running manager; close it
     */
    public ThreadManager build() {
      return new ThreadManager(this, ThreadLocalMaps.create());
    }

    private void once(String setting, Object current) {
      if (set.contains(setting)) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
      set.add(setting);
    }
  }

  private static void requireUnset(String setting, Object current) {
    if (current != null) {
      throw new IllegalStateException(setting + " was already set to " + current);
    }
  }

  private static Duration requirePositive(String setting, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive: " + value);
    }
    return value;
  }
}
