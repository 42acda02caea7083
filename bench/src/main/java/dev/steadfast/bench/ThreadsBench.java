package dev.steadfast.bench;

import dev.steadfast.bench.threads.PoolOverheadBenchmark;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Cost of ThreadLocal hygiene: a {@code ThreadManager} pool versus a plain {@code ThreadPoolExecutor}, per task, for
 * tasks that touch no ThreadLocal (goal: at most 0.3 µs more, throughput ratio at least 0.95) and for tasks that set
 * one and forget it (reported). JMH ({@link PoolOverheadBenchmark}), 2 forks × 5 × 1 s after 3 × 1 s warm-up per
 * case; figures are medians of all measurement iterations. About 3 minutes.
 *
 * <p>{@code overhead_us} and {@code forgotten_overhead_us} come from the chain benchmark (the pool's own per-task
 * cost, no thread hand-off, so the difference is the hygiene check itself); {@code throughput_ratio} from the batch
 * benchmark (a producer thread submitting small tasks to the pool, as applications do).
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=threads
 * }</pre>
 *
 * <p>Last line: {@code BENCH threads overhead_us=<µs per task> throughput_ratio=<hygienic/plain>
 * forgotten_overhead_us=<µs>}.
 */
public final class ThreadsBench {
  private ThreadsBench() {}

  /**
   * Runs the benchmark.
   *
   * @param args ignored
   * @throws Exception if JMH fails
   */
  public static void main(String[] args) throws Exception {
    Options options = new OptionsBuilder()
        .include(PoolOverheadBenchmark.class.getName())
        .forks(2)
        .warmupIterations(3)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(5)
        .measurementTime(TimeValue.seconds(1))
        .jvmArgsAppend("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx1g")
        .shouldFailOnError(true)
        .build();
    Collection<RunResult> results = new Runner(options).run();

    Map<String, Double> medians = new LinkedHashMap<>();
    for (RunResult run : results) {
      String method = run.getParams().getBenchmark();
      String key = method.substring(method.lastIndexOf('.') + 1) + "/" + run.getParams().getParam("pool") + "/"
          + run.getParams().getParam("task");
      List<Double> scores = new ArrayList<>();
      for (BenchmarkResult fork : run.getBenchmarkResults()) {
        for (IterationResult iteration : fork.getIterationResults()) {
          scores.add(iteration.getPrimaryResult().getScore());
        }
      }
      medians.put(key, median(scores));
    }

    System.out.println();
    System.out.println("Median µs per task, one worker. chain: empty tasks, each submits the next on the worker"
        + " (the pool's own cost);");
    System.out.println("batch: a producer thread submits 10000 small tasks (" + PoolOverheadBenchmark.TASK_WORK_TOKENS
        + " JMH CPU tokens each) and waits for them.");
    System.out.printf(Locale.ROOT, "  %-6s %-20s %10s %10s %12s %8s%n", "", "task", "plain TPE", "hygienic",
        "overhead µs", "ratio");
    for (String method : List.of("chain", "batch")) {
      for (String task : List.of("none", "forgotten")) {
        double plain = medians.get(method + "/plain/" + task);
        double hygienic = medians.get(method + "/hygienic/" + task);
        System.out.printf(Locale.ROOT, "  %-6s %-20s %10.4f %10.4f %12.4f %8.3f%n", method,
            task.equals("none") ? "no ThreadLocal" : "set-and-forget one", plain, hygienic, hygienic - plain,
            plain / hygienic);
      }
    }
    double overhead = medians.get("chain/hygienic/none") - medians.get("chain/plain/none");
    double throughputRatio = medians.get("batch/plain/none") / medians.get("batch/hygienic/none");
    double forgotten = medians.get("chain/hygienic/forgotten") - medians.get("chain/plain/forgotten");
    System.out.printf(Locale.ROOT, "BENCH threads overhead_us=%.4f throughput_ratio=%.3f forgotten_overhead_us=%.4f%n",
        overhead, throughputRatio, forgotten);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
