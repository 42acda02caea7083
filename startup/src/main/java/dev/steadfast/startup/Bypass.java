package dev.steadfast.startup;

import java.util.Objects;

/**
 * One change an {@link EnvironmentPolicy} made to the plan in the current environment, listed in the report.
 *
 * <pre>{@code
 * for (Bypass b : report.bypasses()) log.warn("{}", b);   // "DEVELOPMENT: step 'payments' SKIPPED (no sandbox)"
 * }</pre>
 *
 * @param step the step concerned
 * @param environment the environment whose policy applied
 * @param kind what was changed
 * @param detail what it was changed to, e.g. {@code "timeout PT15S -> PT1M"}
 * @param reason the reason given in the policy
 */
public record Bypass(String step, Environment environment, Kind kind, String detail, String reason) {
  /**
   * What a policy changed.
   *
   * <pre>{@code
   * boolean skippedSomething = plan.bypasses().stream().anyMatch(b -> b.kind() == Bypass.Kind.SKIPPED);
   * }</pre>
   */
  public enum Kind {
    /** The step does not run. */
    SKIPPED,
    /** A required step runs as optional. */
    MADE_OPTIONAL,
    /** The step's timeout was changed. */
    TIMEOUT_CHANGED,
    /** The step's readiness timeout was changed. */
    READINESS_TIMEOUT_CHANGED
  }

  /** Checks nothing is null. */
  public Bypass {
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return environment + ": step '" + step + "' " + detail + " (" + reason + ")";
  }
}
