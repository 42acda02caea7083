package dev.steadfast.startup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A random plan for the scheduler's property tests, and its sequential reference model: what each step must end as,
 * and in which order a single worker must start them. Built from a seed so a failing plan can be replayed.
 *
 * @param seed the seed the plan was drawn from
 * @param steps the steps, in declaration order
 * @param phases number of phases
 * @param workers the plan's parallelism
 * @param requiredMayFail whether required steps may fail or hang (then only the timing-independent rules are checked)
 * @param total the total budget
 * @param idleTimeout how long pool workers stay idle (tiny: they retire all the time)
 */
record RandomPlan(long seed, List<Spec> steps, int phases, int workers, boolean requiredMayFail, Duration total,
    Duration idleTimeout) {
  static final Duration GRACE = Duration.ofMillis(500);
  static final Duration HANG_TIMEOUT = Duration.ofMillis(20);
  /** Comfortably above any plan's run time: it binds only in plans where required steps may hang. */
  static final Duration GENEROUS_TOTAL = Duration.ofSeconds(60);

  enum Behaviour { OK, FAIL, FLAKY, HANG }

  /** One step: where it sits in the graph and what its start action does. */
  record Spec(int phase, boolean optional, List<Integer> deps, List<Integer> optionalDeps, Behaviour behaviour,
      int micros, int failures) {}

  static RandomPlan draw(long seed, int size, int workers, boolean requiredMayFail, boolean retiringWorkers) {
    Random r = new Random(seed);
    int phases = 1 + r.nextInt(3);
    int window = 1 + r.nextInt(Math.max(1, size)); // small: long chains; large: wide, bushy graphs
    double density = r.nextDouble();
    List<Spec> steps = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      int phase = r.nextInt(phases);
      boolean optional = r.nextInt(10) < 3;
      List<Integer> deps = new ArrayList<>();
      List<Integer> optionalDeps = new ArrayList<>();
      int tries = r.nextDouble() < density ? 1 + r.nextInt(3) : 0;
      for (int k = 0; k < tries && i > 0; k++) {
        int d = i - 1 - r.nextInt(Math.min(i, window));
        if (steps.get(d).phase() > phase || deps.contains(d) || optionalDeps.contains(d)) {
          continue;
        }
        // A required step may wait for an optional one only if it says it can start without it (validation rule).
        if (steps.get(d).optional() && !optional || r.nextInt(4) == 0) {
          optionalDeps.add(d);
        } else {
          deps.add(d);
        }
      }
      Behaviour behaviour = behaviour(r, optional || requiredMayFail);
      int micros = r.nextBoolean() ? 0 : r.nextInt(500);
      steps.add(new Spec(phase, optional, deps, optionalDeps, behaviour, micros,
          behaviour == Behaviour.FLAKY ? 1 + r.nextInt(2) : 0));
    }
    Duration total = requiredMayFail ? Duration.ofMillis(100 + r.nextInt(400)) : GENEROUS_TOTAL;
    Duration idle = retiringWorkers ? Duration.ofNanos(1_000 + r.nextInt(2_000_000)) : StartupPool.DEFAULT_IDLE_TIMEOUT;
    return new RandomPlan(seed, steps, phases, workers, requiredMayFail, total, idle);
  }

  private static Behaviour behaviour(Random r, boolean mayFail) {
    int roll = r.nextInt(100);
    if (roll < 10) {
      return Behaviour.FLAKY;
    }
    if (!mayFail) {
      return Behaviour.OK;
    }
    return roll < 20 ? Behaviour.FAIL : roll < 24 ? Behaviour.HANG : Behaviour.OK;
  }

  static String name(int i) {
    return "s" + i;
  }

  /** The plan, with each start action reporting to {@code trace}. */
  StartupPlan build(SchedulerTrace trace) {
    StartupPlan.Builder b = StartupPlan.builder().environment(Environment.PRODUCTION).parallelism(workers)
        .totalTimeout(total).phaseTimeout(GENEROUS_TOTAL).cancelGrace(GRACE).hangDiagnostics(false)
        .observer(trace).listener(trace).poolIdleTimeout(idleTimeout);
    for (int ph = 0; ph < phases; ph++) {
      b.phase("p" + ph);
    }
    for (int i = 0; i < steps.size(); i++) {
      Spec spec = steps.get(i);
      int index = i;
      b.step(name(i), s -> {
        s.phase("p" + spec.phase());
        if (spec.optional()) {
          s.optional();
        }
        spec.deps().forEach(d -> s.dependsOn(name(d)));
        spec.optionalDeps().forEach(d -> s.dependsOnOptionally(name(d)));
        if (spec.behaviour() == Behaviour.FLAKY) {
          s.retry(spec.failures() + 1, Duration.ofMillis(1));
        }
        if (spec.behaviour() == Behaviour.HANG && !requiredMayFail) {
          s.timeout(HANG_TIMEOUT);
        }
        s.start(ctx -> {
          trace.entered(index);
          try {
            act(spec, ctx);
          } finally {
            trace.exited(index);
          }
        });
      });
    }
    return b.build();
  }

  private static void act(Spec spec, StepContext ctx) throws Exception {
    if (spec.micros() > 0) {
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(spec.micros()));
    }
    switch (spec.behaviour()) {
      case OK -> { }
      case FAIL -> throw new IllegalStateException("planned failure");
      case FLAKY -> {
        if (ctx.attempt() <= spec.failures()) {
          throw new IllegalStateException("planned failure of attempt " + ctx.attempt());
        }
      }
      case HANG -> new CountDownLatch(1).await();
    }
  }

  /** What a sequential run of the same plan decides: each step's status and attempts, and the start order. */
  record Model(StepStatus[] statuses, int[] attempts, List<Integer> startOrder, StartupOutcome outcome) {}

  Model model() {
    int n = steps.size();
    StepStatus[] status = new StepStatus[n];
    int[] attempts = new int[n];
    List<Integer> order = new ArrayList<>();
    List<List<Integer>> dependants = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      dependants.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      for (int d : steps.get(i).deps()) {
        dependants.get(d).add(i);
      }
      for (int d : steps.get(i).optionalDeps()) {
        dependants.get(d).add(i);
      }
    }
    for (int phase = 0; phase < phases; phase++) {
      int[] pending = new int[n];
      PriorityQueue<Integer> ready = new PriorityQueue<>();
      List<Integer> resolvable = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Spec s = steps.get(i);
        if (s.phase() != phase) {
          continue;
        }
        for (int d : s.deps()) {
          pending[i] += steps.get(d).phase() == phase ? 1 : 0;
        }
        for (int d : s.optionalDeps()) {
          pending[i] += steps.get(d).phase() == phase ? 1 : 0;
        }
        if (pending[i] == 0) {
          resolvable.add(i);
        }
      }
      while (!resolvable.isEmpty() || !ready.isEmpty()) {
        if (!resolvable.isEmpty()) {
          int i = resolvable.remove(0);
          boolean skip = steps.get(i).deps().stream().anyMatch(d -> status[d] != StepStatus.UP);
          if (!skip) {
            ready.add(i);
            continue;
          }
          status[i] = StepStatus.SKIPPED;
          release(i, phase, dependants, pending, resolvable);
          continue;
        }
        int i = ready.poll();
        order.add(i);
        Spec s = steps.get(i);
        attempts[i] = s.behaviour() == Behaviour.FLAKY ? s.failures() + 1 : 1;
        status[i] = switch (s.behaviour()) {
          case OK, FLAKY -> StepStatus.UP;
          case FAIL -> StepStatus.FAILED;
          case HANG -> StepStatus.TIMED_OUT;
        };
        release(i, phase, dependants, pending, resolvable);
      }
    }
    StartupOutcome outcome = StartupOutcome.READY;
    for (StepStatus s : status) {
      if (s == StepStatus.FAILED || s == StepStatus.TIMED_OUT) {
        outcome = StartupOutcome.DEGRADED;
      }
    }
    return new Model(status, attempts, order, outcome);
  }

  private void release(int i, int phase, List<List<Integer>> dependants, int[] pending, List<Integer> resolvable) {
    for (int d : dependants.get(i)) {
      if (steps.get(d).phase() == phase && --pending[d] == 0) {
        resolvable.add(d);
      }
    }
  }

  @Override
  public String toString() {
    return "RandomPlan[seed=" + seed + ", steps=" + steps.size() + ", phases=" + phases + ", workers=" + workers
        + ", requiredMayFail=" + requiredMayFail + ", total=" + total + ", idleTimeout=" + idleTimeout + "]";
  }
}
