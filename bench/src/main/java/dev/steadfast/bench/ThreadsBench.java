package dev.steadfast.bench;

import dev.steadfast.bench.threads.PoolOverheadBenchmark;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
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
 * one and forget it (reported). JMH ({@link PoolOverheadBenchmark}) in 4 rounds; each round runs every case in one
 * fork, 3 × 1 s measured after 2 × 1 s warm-up, plain and hygienic back to back. Differences and ratios are taken per
 * round, then the median over rounds (robust to load changes on a shared machine). About 4 minutes.
 *
 * <p>{@code overhead_us} and {@code forgotten_overhead_us} come from chains of empty tasks (the pool's own per-task
 * cost, no thread hand-off, so the difference is the hygiene work itself); {@code throughput_ratio} from chains of
 * small tasks (about a quarter of a microsecond of work each, the plain pool's time is printed).
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=threads
 * }</pre>
 *
 * <p>Last line: {@code BENCH threads overhead_us=<µs per task> throughput_ratio=<hygienic/plain>
 * forgotten_overhead_us=<µs>}.
 */
public final class ThreadsBench {
  /** Rounds of every case; see {@code run()}. */
  private static final int ROUNDS = 4;

  private ThreadsBench() {}

  /**
   * Runs the benchmark.
   *
   * @param args ignored
   * @throws Exception if JMH fails
   */
  public static void main(String[] args) throws Exception {
    Path frozen = freezeClasspath();
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    Thread current = Thread.currentThread();
    ClassLoader previous = current.getContextClassLoader();
    // The JMH host runs from the frozen copy too: it reads META-INF/BenchmarkList and loads the generated classes.
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
      current.setContextClassLoader(loader);
      Method run = Class.forName(ThreadsBench.class.getName(), true, loader).getDeclaredMethod("run");
      run.setAccessible(true);
      run.invoke(null);
    } finally {
      current.setContextClassLoader(previous);
      deleteTree(frozen);
    }
  }

  private static void run() throws Exception {
    // Each round runs every case once, plain and hygienic back to back; figures are per-round differences and
    // ratios, then the median over rounds, so load changes on a shared machine cancel out instead of biasing one side.
    List<Map<String, Double>> rounds = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      Options options = new OptionsBuilder()
          .include(PoolOverheadBenchmark.class.getName())
          .forks(1)
          .warmupIterations(2)
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(3)
          .measurementTime(TimeValue.seconds(1))
          .jvmArgsAppend("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx1g")
          .shouldFailOnError(true)
          .build();
      Map<String, Double> medians = new LinkedHashMap<>();
      for (RunResult run : new Runner(options).run()) {
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
      rounds.add(medians);
    }

    System.out.println();
    System.out.println("µs per task, one worker; median over " + ROUNDS + " rounds (overhead and ratio are per-round"
        + " figures, then the median).");
    System.out.println("chain: " + PoolOverheadBenchmark.CHAIN + " empty tasks, each submits the next on the worker"
        + " (the pool's own cost); small: the same with " + PoolOverheadBenchmark.TASK_WORK_TOKENS
        + " JMH CPU tokens of work per task.");
    System.out.printf(Locale.ROOT, "  %-6s %-20s %10s %10s %12s %8s%n", "", "task", "plain TPE", "hygienic",
        "overhead µs", "ratio");
    for (String method : List.of("chain", "chainSmallTasks")) {
      for (String task : List.of("none", "forgotten")) {
        String plain = method + "/plain/" + task;
        String hygienic = method + "/hygienic/" + task;
        System.out.printf(Locale.ROOT, "  %-6s %-20s %10.4f %10.4f %12.4f %8.3f%n",
            method.equals("chain") ? "chain" : "small",
            task.equals("none") ? "no ThreadLocal" : "set-and-forget one", overRounds(rounds, r -> r.get(plain)),
            overRounds(rounds, r -> r.get(hygienic)), overRounds(rounds, r -> r.get(hygienic) - r.get(plain)),
            overRounds(rounds, r -> r.get(plain) / r.get(hygienic)));
      }
    }
    double overhead = overRounds(rounds, r -> r.get("chain/hygienic/none") - r.get("chain/plain/none"));
    double throughputRatio =
        overRounds(rounds, r -> r.get("chainSmallTasks/plain/none") / r.get("chainSmallTasks/hygienic/none"));
    double forgotten = overRounds(rounds, r -> r.get("chain/hygienic/forgotten") - r.get("chain/plain/forgotten"));
    System.out.printf(Locale.ROOT, "BENCH threads overhead_us=%.4f throughput_ratio=%.3f forgotten_overhead_us=%.4f%n",
        overhead, throughputRatio, forgotten);
  }

  private static double overRounds(List<Map<String, Double>> rounds, ToDoubleFunction<Map<String, Double>> figure) {
    List<Double> values = new ArrayList<>();
    for (Map<String, Double> round : rounds) {
      values.add(figure.applyAsDouble(round));
    }
    return median(values);
  }

  /**
   * Points the JMH forks at a private copy of this module's classes and the Steadfast jars: on a shared checkout
   * another build can rewrite {@code bench/target/classes} (including JMH's generated classes) or re-install a jar
   * while the forks are still loading classes from them. JMH builds each fork's class path from
   * {@code java.class.path}.
   */
  private static Path freezeClasspath() throws IOException {
    Path root = Files.createTempDirectory("threads-bench-cp");
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path source = Path.of(entry);
      if (Files.isDirectory(source) || source.getFileName().toString().startsWith("steadfast-")) {
        Path copy = root.resolve(n++ + "-" + source.getFileName());
        copyTree(source, copy);
        entries.add(copy.toString());
      } else {
        entries.add(entry);
      }
    }
    if (entries.stream().noneMatch(e -> Files.exists(Path.of(e, "META-INF", "BenchmarkList")))) {
      deleteTree(root);
      throw new IllegalStateException("META-INF/BenchmarkList is missing from the class path (another build is "
          + "rewriting bench/target/classes?); run the benchmark again");
    }
    System.setProperty("java.class.path", String.join(File.pathSeparator, entries));
    return root;
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> paths = Files.walk(source)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path to = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
