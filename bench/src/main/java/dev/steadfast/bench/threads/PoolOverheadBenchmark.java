package dev.steadfast.bench.threads;

import dev.steadfast.threads.ThreadManager;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Per-task cost of a one-worker pool: {@value #CHAIN} tasks where each task submits the next from the worker itself,
 * so the worker never waits for another thread and the time per task is the pool's own cost (enqueue, dequeue,
 * hooks, task body). {@link #chain()} runs empty tasks (isolates the hygiene overhead), {@link #chainSmallTasks()}
 * short ones (throughput for small tasks). Measuring without a producer thread keeps the figures stable on a loaded
 * machine. Compares a {@code ThreadManager} fixed pool (ThreadLocal hygiene on) with a
 * plain {@link ThreadPoolExecutor}, for tasks that touch no ThreadLocal and for tasks that set one and never remove
 * it. Run through {@code dev.steadfast.bench.ThreadsBench}: {@code mvn -q -Pbench verify -Dbench=threads}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(PoolOverheadBenchmark.CHAIN)
public class PoolOverheadBenchmark {
  /** Tasks per benchmark invocation. */
  public static final int CHAIN = 10_000;

  /** Work of one small task, in {@link Blackhole#consumeCPU(long)} tokens. */
  public static final long TASK_WORK_TOKENS = 100;

  /** A request-context style ThreadLocal that "forgotten" tasks set and never remove. */
  static final ThreadLocal<Object> REQUEST_CONTEXT = new ThreadLocal<>();

  /**
   * Per-thread caches a worker typically holds (a date formatter, an encoder, a buffer): set up by a first task and
   * kept, so the hygiene check compares a populated map, not an empty one.
   */
  static final List<ThreadLocal<Object>> LIBRARY_CACHES =
      List.of(new ThreadLocal<>(), new ThreadLocal<>(), new ThreadLocal<>(), new ThreadLocal<>());

  /** {@code plain}: ThreadPoolExecutor; {@code hygienic}: ThreadManager fixed pool. */
  @Param({"plain", "hygienic"})
  public String pool;

  /** {@code none}: the task touches no ThreadLocal; {@code forgotten}: it sets one and leaves it. */
  @Param({"none", "forgotten"})
  public String task;

  private ThreadManager manager;
  private ExecutorService executor;
  private boolean forgetThreadLocal;

  @Setup(Level.Trial)
  public void start() throws Exception {
    forgetThreadLocal = task.equals("forgotten");
    if (pool.equals("plain")) {
      executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
    } else {
      manager = ThreadManager.builder().name("bench")
          .keepAddedThreadLocals(e -> LIBRARY_CACHES.contains(e.threadLocal())).build();
      executor = manager.pool("bench").threads(1).fixed();
      if (!manager.snapshot().threadLocalHygieneAvailable()) {
        throw new IllegalStateException("the hygienic pool needs --add-opens java.base/java.lang=ALL-UNNAMED");
      }
    }
    executor.submit(() -> LIBRARY_CACHES.forEach(cache -> cache.set(new Object()))).get();
  }

  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    if (manager != null) {
      manager.close();
    } else {
      executor.shutdown();
      executor.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  @Benchmark
  public void chain() throws InterruptedException {
    Chain chain = new Chain(executor, CHAIN, forgetThreadLocal, 0);
    executor.execute(chain);
    chain.done.await();
  }

  /**
   * The same chain of small tasks (each burns {@value #TASK_WORK_TOKENS} JMH CPU tokens, a fraction of a microsecond):
   * pool throughput for short tasks, still without the hand-off between threads (which would only dilute the
   * overhead, and makes figures swing with machine load).
   */
  @Benchmark
  public void chainSmallTasks() throws InterruptedException {
    Chain chain = new Chain(executor, CHAIN, forgetThreadLocal, TASK_WORK_TOKENS);
    executor.execute(chain);
    chain.done.await();
  }

  /** Runs {@code remaining} times on the pool, each run submitting the next. */
  private static final class Chain implements Runnable {
    private final ExecutorService executor;
    private final boolean forgetThreadLocal;
    private final long workTokens;
    private final Object context = new Object();
    final CountDownLatch done = new CountDownLatch(1);
    private int remaining;

    Chain(ExecutorService executor, int tasks, boolean forgetThreadLocal, long workTokens) {
      this.executor = executor;
      this.remaining = tasks;
      this.forgetThreadLocal = forgetThreadLocal;
      this.workTokens = workTokens;
    }

    @Override
    public void run() {
      if (workTokens > 0) {
        Blackhole.consumeCPU(workTokens);
      }
      if (forgetThreadLocal) {
        REQUEST_CONTEXT.set(context);
      }
      if (--remaining > 0) {
        executor.execute(this);
      } else {
        done.countDown();
      }
    }
  }
}
