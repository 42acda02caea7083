package dev.steadfast.startup;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/** Checks a plan as a whole and resolves it for the current environment; collects every problem before throwing. */
final class PlanValidator {
  record Result(List<PlannedStep> planned, List<String> phases, long[] phaseTimeoutNanos, int[] stopOrder,
      Environment environment, List<Bypass> bypasses) {}

  private final List<StartupStep> steps;
  private final Map<String, Duration> declaredPhases;
  private final Duration phaseTimeout;
  private final Duration stepTimeout;
  private final Duration readinessTimeout;
  private final Duration stopTimeout;
  private final Environment environment;
  private final EnvironmentPolicy policy;
  private final List<String> problems = new ArrayList<>();

  PlanValidator(List<StartupStep> steps, Map<String, Duration> declaredPhases, Duration phaseTimeout,
      Duration stepTimeout, Duration readinessTimeout, Duration stopTimeout, Environment environment,
      EnvironmentPolicy policy) {
    this.steps = steps;
    this.declaredPhases = declaredPhases;
    this.phaseTimeout = phaseTimeout;
    this.stepTimeout = stepTimeout;
    this.readinessTimeout = readinessTimeout;
    this.stopTimeout = stopTimeout;
    this.environment = environment;
    this.policy = policy;
  }

  Result validate() {
    int n = steps.size();
    if (n == 0) {
      problems.add("the plan has no steps: add at least one with step(...)");
    }
    Map<String, Integer> firstIndex = new LinkedHashMap<>();
    Map<String, Integer> declarations = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = steps.get(i).name();
      firstIndex.putIfAbsent(name, i);
      declarations.merge(name, 1, Integer::sum);
    }
    declarations.forEach((name, count) -> {
      if (count > 1) {
        problems.add("duplicate step name '" + name + "' (declared " + count + " times): step names must be unique");
      }
    });
    for (StartupStep s : steps) {
      if (s.startAction().isEmpty()) {
        problems.add("step '" + s.name() + "' has no start action: call start(...) on its builder");
      }
    }

    List<String> phases = new ArrayList<>(declaredPhases.keySet());
    int[] phaseOf = new int[n];
    resolvePhases(phases, phaseOf);

    Criticality[] criticality = new Criticality[n];
    String[] skipReason = new String[n];
    long[] timeout = new long[n];
    long[] readiness = new long[n];
    List<Bypass> bypasses = applyPolicy(firstIndex, criticality, skipReason, timeout, readiness);

    int[][] edges = new int[n][];
    for (int i = 0; i < n; i++) {
      edges[i] = checkDependencies(i, firstIndex, phases, phaseOf, criticality, skipReason);
    }
    findCycles(edges);

    if (!problems.isEmpty()) {
      throw new InvalidStartupPlanException(problems);
    }

    List<List<Integer>> dependants = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      dependants.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      for (int d : edges[i]) {
        if (!dependants.get(d).contains(i)) {
          dependants.get(d).add(i);
        }
      }
    }
    List<PlannedStep> planned = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StartupStep s = steps.get(i);
      int[] hard = s.dependencies().stream().mapToInt(firstIndex::get).distinct().toArray();
      int[] soft = s.optionalDependencies().stream().mapToInt(firstIndex::get).distinct().toArray();
      int[] deps = dependants.get(i).stream().mapToInt(Integer::intValue).sorted().toArray();
      long stop = Durations.toNanosSaturated(s.stopTimeout().orElse(stopTimeout));
      planned.add(new PlannedStep(i, s, phaseOf[i], criticality[i], skipReason[i], hard, soft, deps, timeout[i],
          readiness[i], stop));
    }
    long[] phaseNanos = new long[phases.size()];
    for (int p = 0; p < phases.size(); p++) {
      Duration own = declaredPhases.get(phases.get(p));
      phaseNanos[p] = Durations.toNanosSaturated(own != null ? own : phaseTimeout);
    }
    return new Result(List.copyOf(planned), List.copyOf(phases), phaseNanos, startOrder(edges, phaseOf, phases.size()),
        environment, List.copyOf(bypasses));
  }

  private void resolvePhases(List<String> phases, int[] phaseOf) {
    boolean declared = !phases.isEmpty();
    if (!declared) {
      for (StartupStep s : steps) {
        s.phase().filter(p -> !phases.contains(p)).ifPresent(phases::add);
      }
      if (phases.isEmpty()) {
        phases.add(StartupPlan.DEFAULT_PHASE);
      }
    }
    for (int i = 0; i < steps.size(); i++) {
      StartupStep s = steps.get(i);
      String phase = s.phase().orElse(phases.get(0));
      int p = phases.indexOf(phase);
      if (p < 0) {
        problems.add("step '" + s.name() + "' names unknown phase '" + phase + "': declared phases are " + phases
            + "; declare it with phase(\"" + phase + "\")");
        p = 0;
      }
      phaseOf[i] = p;
    }
  }

  private List<Bypass> applyPolicy(Map<String, Integer> firstIndex, Criticality[] criticality, String[] skipReason,
      long[] timeout, long[] readiness) {
    List<Bypass> bypasses = new ArrayList<>();
    if (policy != null) {
      for (String name : policy.mentionedSteps()) {
        if (!firstIndex.containsKey(name)) {
          problems.add("the " + environment + " policy names unknown step '" + name + "'" + suggestion(name,
              firstIndex.keySet()));
        }
      }
    }
    for (int i = 0; i < steps.size(); i++) {
      StartupStep s = steps.get(i);
      criticality[i] = s.criticality();
      Duration t = s.timeout().orElse(stepTimeout);
      Duration r = s.readinessTimeout().orElse(readinessTimeout);
      if (policy != null) {
        String name = s.name();
        String skip = policy.skippedSteps().get(name);
        if (skip != null) {
          skipReason[i] = "skipped by the " + environment + " policy: " + skip;
          bypasses.add(new Bypass(name, environment, Bypass.Kind.SKIPPED, "skipped", skip));
        }
        String optional = policy.optionalSteps().get(name);
        if (optional != null && s.criticality() == Criticality.REQUIRED) {
          criticality[i] = Criticality.OPTIONAL;
          bypasses.add(new Bypass(name, environment, Bypass.Kind.MADE_OPTIONAL, "made optional", optional));
        }
        EnvironmentPolicy.TimeoutRule tr = policy.timeouts().get(name);
        if (tr != null) {
          bypasses.add(new Bypass(name, environment, Bypass.Kind.TIMEOUT_CHANGED,
              "timeout " + t + " -> " + tr.timeout(), tr.reason()));
          t = tr.timeout();
        }
        EnvironmentPolicy.TimeoutRule rr = policy.readinessTimeouts().get(name);
        if (rr != null) {
          bypasses.add(new Bypass(name, environment, Bypass.Kind.READINESS_TIMEOUT_CHANGED,
              "readiness timeout " + r + " -> " + rr.timeout(), rr.reason()));
          r = rr.timeout();
        }
      }
      timeout[i] = Durations.toNanosSaturated(t);
      readiness[i] = Durations.toNanosSaturated(r);
    }
    return bypasses;
  }

  private int[] checkDependencies(int i, Map<String, Integer> firstIndex, List<String> phases, int[] phaseOf,
      Criticality[] criticality, String[] skipReason) {
    StartupStep s = steps.get(i);
    Set<Integer> edges = new LinkedHashSet<>();
    Set<String> seen = new LinkedHashSet<>();
    List<String> all = new ArrayList<>(s.dependencies());
    all.addAll(s.optionalDependencies());
    for (int k = 0; k < all.size(); k++) {
      String dep = all.get(k);
      boolean hard = k < s.dependencies().size();
      if (!seen.add(dep)) {
        problems.add("step '" + s.name() + "' declares dependency '" + dep + "' more than once: declare it once,"
            + " with dependsOn or dependsOnOptionally");
        continue;
      }
      Integer d = firstIndex.get(dep);
      if (d == null) {
        problems.add("step '" + s.name() + "' depends on unknown step '" + dep + "'" + suggestion(dep,
            firstIndex.keySet()));
        continue;
      }
      edges.add(d);
      if (d == i) {
        continue; // reported as the cycle "a -> a"
      }
      if (phaseOf[d] > phaseOf[i]) {
        problems.add("step '" + s.name() + "' (phase '" + phases.get(phaseOf[i]) + "') depends on '" + dep
            + "' of later phase '" + phases.get(phaseOf[d]) + "': move '" + dep + "' to phase '"
            + phases.get(phaseOf[i]) + "' or earlier, or '" + s.name() + "' later");
      }
      if (hard && criticality[i] == Criticality.REQUIRED) {
        if (skipReason[d] != null && skipReason[i] == null) {
          problems.add("required step '" + s.name() + "' depends on '" + dep + "', which the " + environment
              + " policy skips: skip '" + s.name() + "' too, or declare dependsOnOptionally(\"" + dep
              + "\") if it can start without it");
        } else if (criticality[d] == Criticality.OPTIONAL) {
          problems.add("required step '" + s.name() + "' depends on optional step '" + dep
              + "' without saying how it behaves if '" + dep + "' degrades: declare dependsOnOptionally(\"" + dep
              + "\") if it can start without it, or make '" + s.name() + "' optional too (it is then skipped with '"
              + dep + "')");
        }
      }
    }
    return edges.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Tarjan's strongly connected components; each cyclic one is printed as a shortest cycle from its first step. */
  private void findCycles(int[][] edges) {
    int n = edges.length;
    int[] index = new int[n];
    int[] low = new int[n];
    boolean[] onStack = new boolean[n];
    Arrays.fill(index, -1);
    ArrayDeque<Integer> stack = new ArrayDeque<>();
    int[] counter = {0};
    List<int[]> cyclic = new ArrayList<>();
    for (int v = 0; v < n; v++) {
      if (index[v] < 0) {
        strongConnect(v, edges, index, low, onStack, stack, counter, cyclic);
      }
    }
    cyclic.sort((a, b) -> Integer.compare(a[0], b[0]));
    for (int[] component : cyclic) {
      problems.add("dependency cycle: " + shortestCycle(component, edges));
    }
  }

  private void strongConnect(int v, int[][] edges, int[] index, int[] low, boolean[] onStack, ArrayDeque<Integer> stack,
      int[] counter, List<int[]> cyclic) {
    index[v] = low[v] = counter[0]++;
    stack.push(v);
    onStack[v] = true;
    for (int w : edges[v]) {
      if (index[w] < 0) {
        strongConnect(w, edges, index, low, onStack, stack, counter, cyclic);
        low[v] = Math.min(low[v], low[w]);
      } else if (onStack[w]) {
        low[v] = Math.min(low[v], index[w]);
      }
    }
    if (low[v] == index[v]) {
      List<Integer> members = new ArrayList<>();
      int w;
      do {
        w = stack.pop();
        onStack[w] = false;
        members.add(w);
      } while (w != v);
      boolean selfLoop = members.size() == 1 && Arrays.stream(edges[v]).anyMatch(x -> x == v);
      if (members.size() > 1 || selfLoop) {
        cyclic.add(members.stream().mapToInt(Integer::intValue).sorted().toArray());
      }
    }
  }

  private String shortestCycle(int[] component, int[][] edges) {
    int start = component[0];
    Set<Integer> members = new LinkedHashSet<>();
    for (int c : component) {
      members.add(c);
    }
    Map<Integer, Integer> parent = new HashMap<>();
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    queue.add(start);
    int last = -1;
    search:
    while (!queue.isEmpty()) {
      int v = queue.poll();
      for (int w : edges[v]) {
        if (w == start) {
          last = v;
          break search;
        }
        if (members.contains(w) && !parent.containsKey(w)) {
          parent.put(w, v);
          queue.add(w);
        }
      }
    }
    List<String> path = new ArrayList<>();
    for (int v = last; v != start; v = parent.get(v)) {
      path.add(0, steps.get(v).name());
    }
    path.add(0, steps.get(start).name());
    path.add(steps.get(start).name());
    return String.join(" -> ", path);
  }

  /** Phase by phase, dependencies first, ties by declaration order: the order stops run in reverse. */
  private static int[] startOrder(int[][] edges, int[] phaseOf, int phases) {
    int n = edges.length;
    int[] remaining = new int[n];
    List<List<Integer>> dependants = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      dependants.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      remaining[i] = edges[i].length;
      for (int d : edges[i]) {
        dependants.get(d).add(i);
      }
    }
    int[] order = new int[n];
    int k = 0;
    PriorityQueue<Integer> ready = new PriorityQueue<>((a, b) -> phaseOf[a] != phaseOf[b]
        ? Integer.compare(phaseOf[a], phaseOf[b]) : Integer.compare(a, b));
    for (int i = 0; i < n; i++) {
      if (remaining[i] == 0) {
        ready.add(i);
      }
    }
    while (!ready.isEmpty()) {
      int v = ready.poll();
      order[k++] = v;
      for (int w : dependants.get(v)) {
        if (--remaining[w] == 0) {
          ready.add(w);
        }
      }
    }
    return order;
  }

  private static String suggestion(String name, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(name, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    if (best != null && bestDistance <= Math.max(1, name.length() / 3)) {
      return " (did you mean '" + best + "'?)";
    }
    List<String> names = new ArrayList<>(known);
    return "; known steps are " + (names.size() <= 10 ? names.toString()
        : names.subList(0, 10) + " and " + (names.size() - 10) + " more");
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
