package dev.steadfast.startup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * One step of a {@link StartupPlan}: a named component with its dependencies, phase, criticality, start action and
 * the optional stop action, readiness check, abort hook, retries and timeouts. Immutable.
 *
 * <p>A dependency declared with {@link Builder#dependsOn(String...)} must be up for this step to start: if it fails,
 * times out or is skipped, this step is {@link StepStatus#SKIPPED}. A dependency declared with
 * {@link Builder#dependsOnOptionally(String...)} is waited for, but this step starts even when it did not come up.
 *
 * <pre>{@code
 * StartupStep db = StartupStep.builder("db")
 *     .phase("infrastructure")
 *     .dependsOn("config")
 *     .start(ctx -> pool.open(ctx.remaining()))
 *     .readiness(() -> pool.ping())
 *     .stop(() -> pool.close())
 *     .abortHook(() -> pool.closeSockets())
 *     .retry(3, Duration.ofMillis(200))
 *     .timeout(Duration.ofSeconds(10))
 *     .build();
 * }</pre>
 */
public final class StartupStep {
  /** Attempts when {@link Builder#retry(int, Duration)} is not called: one, no retry. */
  public static final int DEFAULT_MAX_ATTEMPTS = 1;

  /** Pause before the second attempt when retrying; doubles after each further failed attempt. */
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);

  private final String name;
  private final String phase;
  private final Criticality criticality;
  private final List<String> dependencies;
  private final List<String> optionalDependencies;
  private final StepAction start;
  private final StopAction stop;
  private final ReadinessCheck readiness;
  private final AbortHook abortHook;
  private final int maxAttempts;
  private final Duration retryBackoff;
  private final Duration timeout;
  private final Duration readinessTimeout;
  private final Duration stopTimeout;

  private StartupStep(Builder b) {
    this.name = b.name;
    this.phase = b.phase;
    this.criticality = b.criticality;
    this.dependencies = List.copyOf(b.dependencies);
    this.optionalDependencies = List.copyOf(b.optionalDependencies);
    this.start = b.start;
    this.stop = b.stop;
    this.readiness = b.readiness;
    this.abortHook = b.abortHook;
    this.maxAttempts = b.maxAttempts;
    this.retryBackoff = b.retryBackoff;
    this.timeout = b.timeout;
    this.readinessTimeout = b.readinessTimeout;
    this.stopTimeout = b.stopTimeout;
  }

  /**
   * Starts describing a step.
   *
   * @param name unique name within the plan; not blank
   * @return a builder
   * @throws IllegalArgumentException when the name is null or blank
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** @return the unique name */
  public String name() {
    return name;
  }

  /** @return the phase, or empty for the plan's first phase */
  public Optional<String> phase() {
    return Optional.ofNullable(phase);
  }

  /** @return required or optional */
  public Criticality criticality() {
    return criticality;
  }

  /** @return steps that must be up before this one starts, in declaration order */
  public List<String> dependencies() {
    return dependencies;
  }

  /** @return steps waited for, whose failure does not prevent this one from starting */
  public List<String> optionalDependencies() {
    return optionalDependencies;
  }

  /** @return the start action, empty when none was given (which the plan reports as a problem) */
  public Optional<StepAction> startAction() {
    return Optional.ofNullable(start);
  }

  /** @return the stop action, if any */
  public Optional<StopAction> stopAction() {
    return Optional.ofNullable(stop);
  }

  /** @return the readiness check, if any */
  public Optional<ReadinessCheck> readinessCheck() {
    return Optional.ofNullable(readiness);
  }

  /** @return the abort hook, if any */
  public Optional<AbortHook> abortHook() {
    return Optional.ofNullable(abortHook);
  }

  /** @return how many attempts the step gets, at least 1 */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** @return the pause before the second attempt */
  public Duration retryBackoff() {
    return retryBackoff;
  }

  /** @return this step's own timeout, empty to use the plan's step timeout */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** @return this step's readiness timeout, empty to use the plan's */
  public Optional<Duration> readinessTimeout() {
    return Optional.ofNullable(readinessTimeout);
  }

  /** @return this step's stop timeout, empty to use the plan's */
  public Optional<Duration> stopTimeout() {
    return Optional.ofNullable(stopTimeout);
  }

  @Override
  public String toString() {
    return "StartupStep[" + name + ", " + criticality + (phase == null ? "" : ", phase " + phase)
        + ", dependsOn " + dependencies + (optionalDependencies.isEmpty() ? "" : ", optionally " + optionalDependencies)
        + "]";
  }

  /**
   * Describes a {@link StartupStep}. Not thread-safe.
   *
   * <pre>{@code
   * StartupStep.builder("cache").optional().dependsOn("config").start(ctx -> cache.warm()).build();
   * }</pre>
   */
  public static final class Builder {
    private final String name;
    private String phase;
    private Criticality criticality = Criticality.REQUIRED;
    private final List<String> dependencies = new ArrayList<>();
    private final List<String> optionalDependencies = new ArrayList<>();
    private StepAction start;
    private StopAction stop;
    private ReadinessCheck readiness;
    private AbortHook abortHook;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
    private Duration timeout;
    private Duration readinessTimeout;
    private Duration stopTimeout;

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("step name must not be blank: " + (name == null ? "null" : "'" + name + "'"));
      }
      this.name = name;
    }

    /**
     * Puts the step in a phase. Default: the plan's first phase.
     *
     * @param phase a phase name; not blank
     * @return this builder
     * @throws IllegalArgumentException when blank
     */
    public Builder phase(String phase) {
      if (phase == null || phase.isBlank()) {
        throw new IllegalArgumentException("phase of step '" + name + "' must not be blank: " + phase);
      }
      this.phase = phase;
      return this;
    }

    /**
     * Sets the criticality. Default {@link Criticality#REQUIRED}.
     *
     * @param criticality required or optional; not null
     * @return this builder
     */
    public Builder criticality(Criticality criticality) {
      this.criticality = Objects.requireNonNull(criticality, "criticality");
      return this;
    }

    /**
     * Shorthand for {@code criticality(Criticality.OPTIONAL)}: the step may fail and leave the service degraded.
     *
     * @return this builder
     */
    public Builder optional() {
      return criticality(Criticality.OPTIONAL);
    }

    /**
     * Adds dependencies that must be up before this step starts (same or earlier phase). If one does not come up,
     * this step is skipped.
     *
     * @param steps step names
     * @return this builder
     */
    public Builder dependsOn(String... steps) {
      for (String s : steps) {
        dependencies.add(Objects.requireNonNull(s, "dependency name"));
      }
      return this;
    }

    /**
     * Adds dependencies that are waited for, but whose failure does not stop this step from starting: the way a
     * required step says it works without an optional one.
     *
     * @param steps step names
     * @return this builder
     */
    public Builder dependsOnOptionally(String... steps) {
      for (String s : steps) {
        optionalDependencies.add(Objects.requireNonNull(s, "dependency name"));
      }
      return this;
    }

    /**
     * Sets the start action (required).
     *
     * @param action the action; not null
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder start(StepAction action) {
      requireUnset(start, "start action");
      this.start = Objects.requireNonNull(action, "start action");
      return this;
    }

    /**
     * Sets the start action from a plain {@link Runnable}, for code that needs neither the step's context nor to
     * throw a checked exception: {@code start(cache::warmUp)}.
     *
     * @param action the action; not null
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder start(Runnable action) {
      Objects.requireNonNull(action, "start action");
      return start(ctx -> action.run());
    }

    /**
     * Sets the start action from a {@link Callable}, whose result is ignored: {@code start(() -> pool.open())}.
     *
     * @param action the action; not null
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder start(Callable<?> action) {
      Objects.requireNonNull(action, "start action");
      return start(ctx -> action.call());
    }

    /**
     * Sets the stop action. Default: none (nothing to stop).
     *
     * @param action the action; not null
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder stop(StopAction action) {
      requireUnset(stop, "stop action");
      this.stop = Objects.requireNonNull(action, "stop action");
      return this;
    }

    /**
     * Sets a readiness check polled after the start action returns. Default: none (started means ready).
     *
     * @param check the check; not null
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder readiness(ReadinessCheck check) {
      requireUnset(readiness, "readiness check");
      this.readiness = Objects.requireNonNull(check, "readiness check");
      return this;
    }

    /**
     * Sets the hook that unblocks the step when it ignores interruption. Default: none.
     *
     * @param hook the hook; not null
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder abortHook(AbortHook hook) {
      requireUnset(abortHook, "abort hook");
      this.abortHook = Objects.requireNonNull(hook, "abort hook");
      return this;
    }

    /**
     * Retries a failing start (or readiness check) up to {@code maxAttempts} attempts in all, pausing
     * {@link #DEFAULT_RETRY_BACKOFF} before the second attempt and twice as long before each next one; see
     * {@link #retry(int, Duration)}.
     *
     * @param maxAttempts attempts in all, 1 to 100
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder retry(int maxAttempts) {
      return retry(maxAttempts, DEFAULT_RETRY_BACKOFF);
    }

    /**
     * Retries a failing start (or readiness check) up to {@code maxAttempts} attempts in all, pausing
     * {@code backoff} before the second attempt and twice as long before each next one. Retries stay inside the
     * step's budget: no attempt starts when the pause would reach the deadline. Default: 1 attempt.
     *
     * @param maxAttempts attempts in all, 1 to 100
     * @param backoff first pause, positive
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder retry(int maxAttempts, Duration backoff) {
      if (maxAttempts < 1 || maxAttempts > 100) {
        throw new IllegalArgumentException("maxAttempts of step '" + name + "' must be between 1 and 100: "
            + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      this.retryBackoff = Durations.requirePositive(backoff, "retry backoff of step '" + name + "'");
      return this;
    }

    /**
     * Sets this step's timeout (start plus readiness). Default: the plan's step timeout.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Durations.requirePositive(timeout, "timeout of step '" + name + "'");
      return this;
    }

    /**
     * Sets how long the readiness check may take to pass. Default: the plan's readiness timeout.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder readinessTimeout(Duration timeout) {
      this.readinessTimeout = Durations.requirePositive(timeout, "readiness timeout of step '" + name + "'");
      return this;
    }

    /**
     * Sets how long the stop action may take. Default: the plan's stop timeout.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = Durations.requirePositive(timeout, "stop timeout of step '" + name + "'");
      return this;
    }

    /**
     * Builds the step. Problems that involve other steps (unknown dependencies, cycles) and a missing start action are
     * reported by {@link StartupPlan.Builder#build()}, all at once.
     *
     * @return the step
     */
    public StartupStep build() {
      return new StartupStep(this);
    }

    private void requireUnset(Object current, String what) {
      if (current != null) {
        throw new IllegalStateException(what + " of step '" + name + "' was already set");
      }
    }
  }
}
