package dev.steadfast.bench;

import com.google.common.util.concurrent.AbstractIdleService;
import com.google.common.util.concurrent.Service;
import com.google.common.util.concurrent.ServiceManager;
import dev.steadfast.bench.startup.MeteredThreadFactory;
import dev.steadfast.bench.startup.RandomPlan;
import dev.steadfast.startup.Environment;
import dev.steadfast.startup.StartupOutcome;
import dev.steadfast.startup.StartupPlan;
import dev.steadfast.startup.StartupReport;
import dev.steadfast.startup.StepAction;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Startup orchestration on a seeded random plan of 500 sleep-based steps with random dependencies, side by side with
 * what users do instead: the same steps one at a time (what Spring's bean-by-bean startup amounts to), a hand-written
 * {@code CompletableFuture} graph (no timeouts, no diagnostics: the floor of thread-based orchestration) and Guava's
 * {@link ServiceManager} (which starts everything at once and ignores dependencies).
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=startup
 * }</pre>
 *
 * <p>The plan: see {@link RandomPlan} (seed {@value #SEED}). Figures (medians of {@value #MEASURED_RUNS} runs after
 * {@value #WARMUP_RUNS} warm-up runs):
 * <ul>
 *   <li>{@code ratio}: Steadfast wall time / critical path of the plan (the best any orchestrator can do); goal 1.02.
 *       Also printed: the ratio to the critical path of the durations the steps really took (on a loaded machine a
 *       sleeping thread wakes late, which no orchestrator can help), and the median delay between a step's last
 *       dependency finishing and the step beginning.
 *   <li>{@code cpu_us_per_step}: CPU time of every thread the startup used (the coordinator, which is the calling
 *       thread, plus each pool thread over its whole life, creation included, read with
 *       {@link ThreadMXBean#getCurrentThreadCpuTime()}), minus the CPU the step bodies themselves used (measured
 *       inside each step the same way), divided by the number of steps. Per-thread CPU clocks are exact; the
 *       process CPU clock ticks in 10 ms here and would mostly measure the JIT compiler, so it is not used. Also
 *       printed: the same for steps that do nothing (the orchestration alone), and what one thread block-and-wake
 *       costs on this machine (every step that is not continued on the thread that finished its dependency wakes an
 *       idle pool thread).
 *   <li>{@code sequential_ratio}: the same plan with {@code sequential()}, wall / critical path.
 *   <li>{@code guava_violations}: dependency orderings Guava's ServiceManager broke (a service started before one it
 *       depends on had finished starting).
 *   <li>How the cost grows with the plan (steps that do nothing, so only orchestration is measured), at
 *       {@value #STEPS} and {@value #LARGE_STEPS} steps of the same generator: {@code validation_ms_<n>}, the time
 *       {@code StartupPlan.Builder.build()} takes (validation, cycle search, planning), and
 *       {@code cpu_us_per_step_<n>}, orchestration CPU per step, beside {@code cf_cpu_us_per_step_<n>}, the same for
 *       the hand-written {@code CompletableFuture} graph.
 * </ul>
 */
public final class StartupBench {
  static final int STEPS = 500;
  static final long SEED = 42;
  static final int WARMUP_RUNS = 8;
  static final int MEASURED_RUNS = 5;
  /** High enough never to limit this plan: the pool creates threads only as the plan gets wider. */
  static final int PARALLELISM = 256;
  /** The large plan of the scale figures. */
  static final int LARGE_STEPS = 10_000;
  static final int SCALE_WARMUP_RUNS = 3;

  private StartupBench() {}

  /**
   * Runs the benchmark.
   *
   * @param args ignored
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    RandomPlan plan = RandomPlan.generate(STEPS, SEED);
    long critical = plan.criticalPathMillis();
    System.out.printf(Locale.ROOT, "plan: %d steps, seed %d, durations %d-%d ms, 1 to %d dependencies within the"
            + " previous %d steps%n", STEPS, SEED, RandomPlan.MIN_MILLIS, RandomPlan.MAX_MILLIS,
        RandomPlan.MAX_DEPENDENCIES, RandomPlan.WINDOW);
    System.out.printf(Locale.ROOT, "critical path: %d ms over %d steps; sum of durations %d ms%n", critical,
        plan.criticalPathSteps(), plan.totalMillis());

    for (int i = 0; i < WARMUP_RUNS; i++) {
      runSteadfast(plan, false);
    }
    double[] ratios = new double[MEASURED_RUNS];
    double[] cpu = new double[MEASURED_RUNS];
    double[] coordinatorCpu = new double[MEASURED_RUNS];
    double[] measuredRatios = new double[MEASURED_RUNS];
    for (int i = 0; i < MEASURED_RUNS; i++) {
      Run r = runSteadfast(plan, false);
      ratios[i] = r.wallNanos / 1e6 / critical;
      cpu[i] = r.orchestrationCpuNanos / 1e3 / STEPS;
      coordinatorCpu[i] = r.coordinatorCpuNanos / 1e3 / STEPS;
      measuredRatios[i] = (double) r.wallNanos / r.measuredCriticalNanos;
      System.out.printf(Locale.ROOT, "steadfast run %d: wall %.1f ms, ratio %.4f, orchestration cpu %.1f us/step"
              + " (coordinator thread alone %.1f us/step), %d pool threads, median start lag %.0f us, violations %d%n",
          i + 1, r.wallNanos / 1e6, ratios[i], cpu[i], coordinatorCpu[i], r.threads, r.lagMicros, r.violations);
    }

    System.out.printf(Locale.ROOT, "steadfast medians: ratio %.4f, ratio to the critical path of the durations the"
            + " steps really took (machine load delays sleeping threads) %.4f, cpu %.1f us/step%n", median(ratios),
        median(measuredRatios), median(cpu));

    for (int i = 0; i < WARMUP_RUNS; i++) {
      runSteadfast(plan, false, false);
    }
    double[] noopCpu = new double[MEASURED_RUNS];
    double[] noopWall = new double[MEASURED_RUNS];
    for (int i = 0; i < MEASURED_RUNS; i++) {
      Run r = runSteadfast(plan, false, false);
      noopCpu[i] = r.orchestrationCpuNanos / 1e3 / STEPS;
      noopWall[i] = r.wallNanos / 1e6;
    }
    System.out.printf(Locale.ROOT, "steadfast, same plan with steps that do nothing (the orchestration alone, with"
        + " little blocking): median wall %.1f ms, cpu %.1f us/step%n", median(noopWall), median(noopCpu));

    Run sequential = runSteadfast(plan, true);
    double sequentialRatio = sequential.wallNanos / 1e6 / critical;
    System.out.printf(Locale.ROOT, "steadfast sequential: wall %.1f ms, ratio %.3f, violations %d%n",
        sequential.wallNanos / 1e6, sequentialRatio, sequential.violations);

    for (int i = 0; i < WARMUP_RUNS; i++) {
      runCompletableFutures(plan);
    }
    double[] futureCpu = new double[MEASURED_RUNS];
    double[] futureRatio = new double[MEASURED_RUNS];
    double[] futureLag = new double[MEASURED_RUNS];
    double[] futureMeasured = new double[MEASURED_RUNS];
    for (int i = 0; i < MEASURED_RUNS; i++) {
      Run r = runCompletableFutures(plan);
      futureCpu[i] = r.orchestrationCpuNanos / 1e3 / STEPS;
      futureRatio[i] = r.wallNanos / 1e6 / critical;
      futureLag[i] = r.lagMicros;
      futureMeasured[i] = (double) r.wallNanos / r.measuredCriticalNanos;
    }
    System.out.printf(Locale.ROOT, "hand-written CompletableFuture graph on a cached pool (no timeouts, no"
            + " diagnostics; the floor): median ratio %.4f (to measured durations %.4f), cpu %.1f us/step, median start"
            + " lag %.0f us%n", median(futureRatio), median(futureMeasured), median(futureCpu), median(futureLag));

    runGuava(plan); // warm-up
    Run guava = runGuava(plan);
    System.out.printf(Locale.ROOT, "guava ServiceManager: wall %.1f ms, ratio %.3f, dependency violations %d"
            + " (of %d dependencies)%n", guava.wallNanos / 1e6, guava.wallNanos / 1e6 / critical, guava.violations,
        dependencyCount(plan));

    System.out.printf(Locale.ROOT, "this machine: one block-and-wake of a thread (Thread.sleep(1)) costs %.1f us of"
        + " CPU; any orchestrator that wakes a pooled thread per step pays about that per step%n", blockAndWakeMicros());

    Scale small = scale(plan);
    Scale large = scale(RandomPlan.generate(LARGE_STEPS, SEED));

    System.out.printf(Locale.ROOT, "BENCH startup ratio=%.4f cpu_us_per_step=%.1f sequential_ratio=%.2f"
            + " guava_violations=%d validation_ms_%d=%.2f validation_ms_%d=%.2f cpu_us_per_step_%d=%.1f"
            + " cpu_us_per_step_%d=%.1f cf_cpu_us_per_step_%d=%.1f cf_cpu_us_per_step_%d=%.1f%n", median(ratios),
        median(cpu), sequentialRatio, guava.violations, STEPS, small.validationMillis, LARGE_STEPS,
        large.validationMillis, STEPS, small.cpuMicrosPerStep, LARGE_STEPS, large.cpuMicrosPerStep, STEPS,
        small.futureCpuMicrosPerStep, LARGE_STEPS, large.futureCpuMicrosPerStep);
  }

  /** Medians of how orchestration costs at one plan size, steps that do nothing. */
  private record Scale(double validationMillis, double cpuMicrosPerStep, double futureCpuMicrosPerStep) {}

  private static Scale scale(RandomPlan plan) throws Exception {
    for (int i = 0; i < SCALE_WARMUP_RUNS; i++) {
      runSteadfast(plan, false, false);
      runCompletableFutures(plan, false);
    }
    double[] validation = new double[MEASURED_RUNS];
    double[] cpu = new double[MEASURED_RUNS];
    double[] futureCpu = new double[MEASURED_RUNS];
    double[] wall = new double[MEASURED_RUNS];
    double[] futureWall = new double[MEASURED_RUNS];
    for (int i = 0; i < MEASURED_RUNS; i++) {
      Run r = runSteadfast(plan, false, false);
      validation[i] = r.buildNanos / 1e6;
      cpu[i] = r.orchestrationCpuNanos / 1e3 / plan.size();
      wall[i] = r.wallNanos / 1e6;
      Run f = runCompletableFutures(plan, false);
      futureCpu[i] = f.orchestrationCpuNanos / 1e3 / plan.size();
      futureWall[i] = f.wallNanos / 1e6;
    }
    Scale scale = new Scale(median(validation), median(cpu), median(futureCpu));
    System.out.printf(Locale.ROOT, "scale, %d steps that do nothing: build() (validation and planning) %.2f ms;"
            + " steadfast wall %.1f ms, orchestration cpu %.1f us/step; CompletableFuture graph wall %.1f ms,"
            + " cpu %.1f us/step%n", plan.size(), scale.validationMillis, median(wall), scale.cpuMicrosPerStep,
        median(futureWall), scale.futureCpuMicrosPerStep);
    return scale;
  }

  private record Run(long wallNanos, long orchestrationCpuNanos, long coordinatorCpuNanos, int violations,
      int threads, double lagMicros, long measuredCriticalNanos, long buildNanos) {}

  private static Run runSteadfast(RandomPlan plan, boolean sequential) throws InterruptedException {
    return runSteadfast(plan, sequential, true);
  }

  private static Run runSteadfast(RandomPlan plan, boolean sequential, boolean sleep) throws InterruptedException {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] start = new long[plan.size()];
    long[] end = new long[plan.size()];
    AtomicLong stepCpu = new AtomicLong();
    MeteredThreadFactory pool = new MeteredThreadFactory("steadfast-startup-bench");
    StartupPlan.Builder builder = StartupPlan.builder().environment(Environment.PRODUCTION)
        .totalTimeout(Duration.ofMinutes(5)).phaseTimeout(Duration.ofMinutes(5)).threadFactory(pool);
    if (sequential) {
      builder.sequential();
    } else {
      builder.parallelism(PARALLELISM);
    }
    for (int i = 0; i < plan.size(); i++) {
      int index = i;
      StepAction body = ctx -> {
        long cpu0 = threads.getCurrentThreadCpuTime();
        start[index] = System.nanoTime();
        if (sleep) {
          TimeUnit.MILLISECONDS.sleep(plan.durationMillis(index));
        }
        end[index] = System.nanoTime();
        stepCpu.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
      };
      String[] deps = Arrays.stream(plan.dependencies(i)).mapToObj(RandomPlan::name).toArray(String[]::new);
      builder.step(RandomPlan.name(i), s -> s.dependsOn(deps).start(body));
    }
    long b0 = System.nanoTime();
    StartupPlan built = builder.build();
    long buildNanos = System.nanoTime() - b0;

    long coordinatorBefore = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    StartupReport report = built.start().report();
    long wall = System.nanoTime() - t0;
    long coordinator = threads.getCurrentThreadCpuTime() - coordinatorBefore;
    pool.awaitAllEnded();
    if (report.outcome() != StartupOutcome.READY) {
      throw new IllegalStateException("benchmark plan did not come up:\n" + report);
    }
    long orchestration = coordinator + pool.cpuNanos() - stepCpu.get();
    return new Run(wall, orchestration, coordinator, plan.violations(start, end), pool.threadsCreated(),
        plan.medianStartLagMicros(start, end), plan.measuredCriticalPathNanos(start, end), buildNanos);
  }

  /** The same plan as a user would wire it by hand: one future per step, started when its dependencies are done. */
  private static Run runCompletableFutures(RandomPlan plan) throws Exception {
    return runCompletableFutures(plan, true);
  }

  private static Run runCompletableFutures(RandomPlan plan, boolean sleep) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    MeteredThreadFactory factory = new MeteredThreadFactory("completable-future-bench");
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(0, PARALLELISM, 1,
        TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), factory,
        // What a user would choose so that a burst of short steps wider than the pool cannot fail the graph.
        new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
    long[] start = new long[plan.size()];
    long[] end = new long[plan.size()];
    AtomicLong stepCpu = new AtomicLong();
    long coordinatorBefore = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    java.util.concurrent.CompletableFuture<?>[] done = new java.util.concurrent.CompletableFuture<?>[plan.size()];
    for (int i = 0; i < plan.size(); i++) {
      int index = i;
      java.util.concurrent.CompletableFuture<?>[] deps = Arrays.stream(plan.dependencies(i)).mapToObj(d -> done[d])
          .toArray(java.util.concurrent.CompletableFuture<?>[]::new);
      done[i] = java.util.concurrent.CompletableFuture.allOf(deps).thenRunAsync(() -> {
        long cpu0 = threads.getCurrentThreadCpuTime();
        start[index] = System.nanoTime();
        try {
          if (sleep) {
            TimeUnit.MILLISECONDS.sleep(plan.durationMillis(index));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        end[index] = System.nanoTime();
        stepCpu.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
      }, pool);
    }
    java.util.concurrent.CompletableFuture.allOf(done).get();
    long wall = System.nanoTime() - t0;
    long coordinator = threads.getCurrentThreadCpuTime() - coordinatorBefore;
    pool.shutdown();
    factory.awaitAllEnded();
    return new Run(wall, coordinator + factory.cpuNanos() - stepCpu.get(), coordinator, plan.violations(start, end),
        factory.threadsCreated(), plan.medianStartLagMicros(start, end), plan.measuredCriticalPathNanos(start, end),
        0);
  }

  private static Run runGuava(RandomPlan plan) throws Exception {
    long[] start = new long[plan.size()];
    long[] end = new long[plan.size()];
    List<Service> services = new ArrayList<>();
    for (int i = 0; i < plan.size(); i++) {
      int index = i;
      services.add(new AbstractIdleService() {
        @Override
        protected void startUp() throws InterruptedException {
          start[index] = System.nanoTime();
          TimeUnit.MILLISECONDS.sleep(plan.durationMillis(index));
          end[index] = System.nanoTime();
        }

        @Override
        protected void shutDown() {}
      });
    }
    ServiceManager manager = new ServiceManager(services);
    long t0 = System.nanoTime();
    manager.startAsync().awaitHealthy(Duration.ofMinutes(1));
    long wall = System.nanoTime() - t0;
    manager.stopAsync().awaitStopped(Duration.ofMinutes(1));
    return new Run(wall, 0, 0, plan.violations(start, end), plan.size(), Double.NaN, 0, 0);
  }

  /** CPU time of one thread block and wake-up here: the kernel's share of every hand-off to a sleeping thread. */
  private static double blockAndWakeMicros() throws InterruptedException {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int n = 200;
    long cpu0 = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < n; i++) {
      Thread.sleep(1);
    }
    return (threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / n;
  }

  private static int dependencyCount(RandomPlan plan) {
    int n = 0;
    for (int i = 0; i < plan.size(); i++) {
      n += plan.dependencies(i).length;
    }
    return n;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
