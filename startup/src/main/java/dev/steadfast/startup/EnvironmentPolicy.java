package dev.steadfast.startup;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What changes about a plan in one {@link Environment}: steps to skip, steps made optional, step timeouts changed.
 * Registered with {@link StartupPlan.Builder#policy(Environment, EnvironmentPolicy)}; applies only when the startup
 * runs in that environment. Every rule that applies shows as a {@link Bypass} in the report, and a step made optional
 * that then fails shows as a degradation: no environment silently ignores a required step's failure.
 *
 * <pre>{@code
 * EnvironmentPolicy dev = EnvironmentPolicy.builder()
 *     .skip("payments", "no sandbox credentials on laptops")
 *     .makeOptional("search-index", "index is rebuilt nightly in development")
 *     .timeout("db", Duration.ofSeconds(60), "local database starts in a container")
 *     .build();
 * StartupPlan.builder().policy(Environment.DEVELOPMENT, dev) ...
 * }</pre>
 */
public final class EnvironmentPolicy {
  private final Map<String, String> skipped;
  private final Map<String, String> madeOptional;
  private final Map<String, TimeoutRule> timeouts;
  private final Map<String, TimeoutRule> readinessTimeouts;

  record TimeoutRule(Duration timeout, String reason) {}

  private EnvironmentPolicy(Builder b) {
    this.skipped = Collections.unmodifiableMap(new LinkedHashMap<>(b.skipped));
    this.madeOptional = Collections.unmodifiableMap(new LinkedHashMap<>(b.madeOptional));
    this.timeouts = Collections.unmodifiableMap(new LinkedHashMap<>(b.timeouts));
    this.readinessTimeouts = Collections.unmodifiableMap(new LinkedHashMap<>(b.readinessTimeouts));
  }

  /**
   * Starts an empty policy.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** @return names of the steps this policy skips, with the reason, in declaration order */
  public Map<String, String> skippedSteps() {
    return skipped;
  }

  /** @return names of the steps this policy makes optional, with the reason */
  public Map<String, String> optionalSteps() {
    return madeOptional;
  }

  Map<String, TimeoutRule> timeouts() {
    return timeouts;
  }

  Map<String, TimeoutRule> readinessTimeouts() {
    return readinessTimeouts;
  }

  /** @return every step name this policy mentions */
  Set<String> mentionedSteps() {
    Set<String> all = new java.util.LinkedHashSet<>();
    all.addAll(skipped.keySet());
    all.addAll(madeOptional.keySet());
    all.addAll(timeouts.keySet());
    all.addAll(readinessTimeouts.keySet());
    return all;
  }

  /**
   * Describes an {@link EnvironmentPolicy}. Each rule needs a reason: it is printed in the report.
   *
   * <pre>{@code
   * EnvironmentPolicy.builder().skip("kafka", "no broker in tests").build();
   * }</pre>
   */
  public static final class Builder {
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final Map<String, String> madeOptional = new LinkedHashMap<>();
    private final Map<String, TimeoutRule> timeouts = new LinkedHashMap<>();
    private final Map<String, TimeoutRule> readinessTimeouts = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Skips a step in this environment; its dependants that need it are skipped too.
     *
     * @param step the step name
     * @param reason why, for the report; not blank
     * @return this builder
     * @throws IllegalStateException when the step already has a skip rule or is made optional
     */
    public Builder skip(String step, String reason) {
      requireReason(step, reason);
      if (skipped.containsKey(step) || madeOptional.containsKey(step)) {
        throw new IllegalStateException("step '" + step + "' already has a skip or make-optional rule");
      }
      skipped.put(step, reason);
      return this;
    }

    /**
     * Makes a required step optional in this environment: its failure degrades instead of failing startup.
     *
     * @param step the step name
     * @param reason why, for the report; not blank
     * @return this builder
     * @throws IllegalStateException when the step already has a skip or make-optional rule
     */
    public Builder makeOptional(String step, String reason) {
      requireReason(step, reason);
      if (skipped.containsKey(step) || madeOptional.containsKey(step)) {
        throw new IllegalStateException("step '" + step + "' already has a skip or make-optional rule");
      }
      madeOptional.put(step, reason);
      return this;
    }

    /**
     * Changes a step's timeout in this environment.
     *
     * @param step the step name
     * @param timeout positive
     * @param reason why, for the report; not blank
     * @return this builder
     * @throws IllegalArgumentException when the timeout is not positive
     * @throws IllegalStateException when the step's timeout was already changed
     */
    public Builder timeout(String step, Duration timeout, String reason) {
      return putTimeout(timeouts, "timeout", step, timeout, reason);
    }

    /**
     * Changes a step's readiness timeout in this environment.
     *
     * @param step the step name
     * @param timeout positive
     * @param reason why, for the report; not blank
     * @return this builder
     * @throws IllegalArgumentException when the timeout is not positive
     * @throws IllegalStateException when the step's readiness timeout was already changed
     */
    public Builder readinessTimeout(String step, Duration timeout, String reason) {
      return putTimeout(readinessTimeouts, "readiness timeout", step, timeout, reason);
    }

    private Builder putTimeout(Map<String, TimeoutRule> rules, String what, String step, Duration timeout,
        String reason) {
      requireReason(step, reason);
      Durations.requirePositive(timeout, what + " of step '" + step + "'");
      TimeoutRule previous = rules.putIfAbsent(step, new TimeoutRule(timeout, reason));
      if (previous != null) {
        throw new IllegalStateException(what + " of step '" + step + "' was already set to " + previous.timeout());
      }
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the immutable policy
     */
    public EnvironmentPolicy build() {
      return new EnvironmentPolicy(this);
    }

    private static void requireReason(String step, String reason) {
      Objects.requireNonNull(step, "step");
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("reason for the rule on step '" + step
            + "' must not be blank: it is printed in the startup report");
      }
    }
  }
}
