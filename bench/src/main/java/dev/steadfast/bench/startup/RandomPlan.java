package dev.steadfast.bench.startup;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded random startup plan: step {@code i} sleeps {@code durationMillis[i]} and depends on 1 to
 * {@link #MAX_DEPENDENCIES} random steps among the {@link #WINDOW} declared just before it (step 0, like a service's
 * configuration, depends on nothing; everything else depends on something, as in a real service).
 *
 * <pre>{@code
 * RandomPlan plan = RandomPlan.generate(500, 42);
 * long ideal = plan.criticalPathMillis();
 * }</pre>
 */
public final class RandomPlan {
  /** Dependencies of one step are drawn among this many preceding steps (keeps the plan deep and wide). */
  public static final int WINDOW = 40;
  /** Most dependencies of one step. */
  public static final int MAX_DEPENDENCIES = 3;
  /** Shortest step. */
  public static final int MIN_MILLIS = 2;
  /** Longest step. */
  public static final int MAX_MILLIS = 20;

  private final int[] durationMillis;
  private final int[][] dependencies;

  private RandomPlan(int[] durationMillis, int[][] dependencies) {
    this.durationMillis = durationMillis;
    this.dependencies = dependencies;
  }

  /**
   * Generates a plan.
   *
   * @param steps number of steps
   * @param seed random seed
   * @return the plan
   */
  public static RandomPlan generate(int steps, long seed) {
    Random random = new Random(seed);
    int[] durations = new int[steps];
    int[][] deps = new int[steps][];
    for (int i = 0; i < steps; i++) {
      durations[i] = MIN_MILLIS + random.nextInt(MAX_MILLIS - MIN_MILLIS + 1);
      List<Integer> chosen = new ArrayList<>();
      int count = i == 0 ? 0 : 1 + random.nextInt(MAX_DEPENDENCIES);
      for (int k = 0; k < count; k++) {
        int d = Math.max(0, i - WINDOW) + random.nextInt(Math.min(i, WINDOW));
        if (!chosen.contains(d)) {
          chosen.add(d);
        }
      }
      deps[i] = chosen.stream().mapToInt(Integer::intValue).toArray();
    }
    return new RandomPlan(durations, deps);
  }

  /** @return number of steps */
  public int size() {
    return durationMillis.length;
  }

  /** @return name of step {@code i} */
  public static String name(int i) {
    return "step-" + i;
  }

  /** @param i step index @return its duration */
  public int durationMillis(int i) {
    return durationMillis[i];
  }

  /** @param i step index @return indexes of its dependencies */
  public int[] dependencies(int i) {
    return dependencies[i];
  }

  /** @return the longest chain of durations along dependencies: the best possible wall time */
  public long criticalPathMillis() {
    long[] finish = new long[size()];
    long longest = 0;
    for (int i = 0; i < size(); i++) {
      long start = 0;
      for (int d : dependencies[i]) {
        start = Math.max(start, finish[d]);
      }
      finish[i] = start + durationMillis[i];
      longest = Math.max(longest, finish[i]);
    }
    return longest;
  }

  /** @return the number of steps on the longest chain */
  public int criticalPathSteps() {
    long[] finish = new long[size()];
    int[] length = new int[size()];
    long longest = 0;
    int steps = 0;
    for (int i = 0; i < size(); i++) {
      long start = 0;
      int len = 0;
      for (int d : dependencies[i]) {
        if (finish[d] > start) {
          start = finish[d];
          len = length[d];
        }
      }
      finish[i] = start + durationMillis[i];
      length[i] = len + 1;
      if (finish[i] > longest) {
        longest = finish[i];
        steps = length[i];
      }
    }
    return steps;
  }

  /** @return the sum of all durations: the wall time of a one-at-a-time startup */
  public long totalMillis() {
    long sum = 0;
    for (int d : durationMillis) {
      sum += d;
    }
    return sum;
  }

  /**
   * Counts dependency orderings a run violated: a step that began before one of its dependencies had finished.
   *
   * @param startNanos when each step began
   * @param endNanos when each step finished
   * @return violations
   */
  public int violations(long[] startNanos, long[] endNanos) {
    int violations = 0;
    for (int i = 0; i < size(); i++) {
      for (int d : dependencies[i]) {
        if (startNanos[i] - endNanos[d] < 0) {
          violations++;
        }
      }
    }
    return violations;
  }

  /**
   * The median delay between the moment a step's last dependency finished and the moment it began: what the
   * orchestrator adds on every link of a chain.
   *
   * @param startNanos when each step began
   * @param endNanos when each step finished
   * @return median start lag in microseconds
   */
  public double medianStartLagMicros(long[] startNanos, long[] endNanos) {
    List<Long> lags = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      if (dependencies[i].length == 0) {
        continue;
      }
      long ready = Long.MIN_VALUE;
      for (int d : dependencies[i]) {
        ready = Math.max(ready, endNanos[d]);
      }
      lags.add(startNanos[i] - ready);
    }
    lags.sort(null);
    return lags.get(lags.size() / 2) / 1e3;
  }

  /**
   * The critical path of the durations the steps really took in one run (a loaded machine wakes sleeping threads
   * late, which no orchestrator can help): wall time divided by it is the orchestration overhead alone.
   *
   * @param startNanos when each step began
   * @param endNanos when each step finished
   * @return the critical path of the measured durations, in nanoseconds
   */
  public long measuredCriticalPathNanos(long[] startNanos, long[] endNanos) {
    long[] finish = new long[size()];
    long longest = 0;
    for (int i = 0; i < size(); i++) {
      long start = 0;
      for (int d : dependencies[i]) {
        start = Math.max(start, finish[d]);
      }
      finish[i] = start + (endNanos[i] - startNanos[i]);
      longest = Math.max(longest, finish[i]);
    }
    return longest;
  }
}
