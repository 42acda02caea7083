package dev.steadfast.startup;

import java.util.List;

/**
 * Thrown by {@link StartupPlan.Builder#build()} when the plan cannot run, listing every problem found, each naming the
 * steps concerned and how to fix it, so that one build shows them all.
 *
 * <pre>{@code
 * try {
 *   plan = builder.build();
 * } catch (InvalidStartupPlanException e) {
 *   e.problems().forEach(System.err::println);   // "dependency cycle: cache -> db -> cache"
 * }
 * }</pre>
 */
public final class InvalidStartupPlanException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The problems, in a stable order. */
  private final List<String> problems;

  InvalidStartupPlanException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /** @return every problem, one sentence each, in a stable order */
  public List<String> problems() {
    return problems;
  }

  private static String message(List<String> problems) {
    StringBuilder out = new StringBuilder("startup plan is invalid (")
        .append(problems.size()).append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      out.append("\n  - ").append(p);
    }
    return out.toString();
  }
}
