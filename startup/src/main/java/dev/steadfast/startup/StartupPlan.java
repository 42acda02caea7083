package dev.steadfast.startup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The entry point of Steadfast startup: an immutable, validated plan of {@link StartupStep}s that starts a service
 * deterministically, in parallel, and never hangs.
 *
 * <p><b>How it runs.</b> Phases run in declaration order. Inside a phase, a step starts as soon as its dependencies
 * are up, on a bounded pool of named daemon threads ({@link Builder#parallelism(int)}); when several steps become
 * startable at once they start in declaration order, so the same plan makes the same decisions on every run and the
 * report always lists steps in declaration order. {@link Builder#sequential()} runs one step at a time, for debugging.
 *
 * <p><b>Four timeout levels.</b> Whole startup ({@link #DEFAULT_TOTAL_TIMEOUT}), each phase
 * ({@link #DEFAULT_PHASE_TIMEOUT}), each step ({@link #DEFAULT_STEP_TIMEOUT}) and each readiness check
 * ({@link #DEFAULT_READINESS_TIMEOUT}). A step's effective deadline is the smallest of its own timeout, what is left of
 * its phase and what is left of the whole startup. A step that overruns it is diagnosed (its stack, a full thread
 * dump, monitor, lock and class-initialization deadlocks), interrupted, given {@link #DEFAULT_CANCEL_GRACE}, then its
 * abort hook runs and it gets the same grace again before it is abandoned. Starting therefore ends at most
 * {@code 2 x cancelGrace} (plus the time to take the thread dump) after the total budget. A failed startup then rolls
 * back: each step that came up is stopped within its own stop timeout (a hanging stop action is abandoned), so the
 * rollback takes at most the sum of those stop timeouts.
 *
 * <p><b>Degrade or fail.</b> An optional step that does not come up leaves the service {@link StartupOutcome#DEGRADED}
 * and its dependants are skipped, unless they declared it with
 * {@link StartupStep.Builder#dependsOnOptionally(String...)}. A required step that does not come up fails startup:
 * nothing new starts, running steps are cancelled, and every step that came up is stopped in reverse order.
 *
 * <pre>{@code
 * StartupPlan plan = StartupPlan.builder()
 *     .phase("config").phase("infrastructure").phase("service")
 *     .step(StartupStep.builder("config").phase("config").start(ctx -> config.load()).build())
 *     .step(StartupStep.builder("db").phase("infrastructure").dependsOn("config")
 *         .start(ctx -> pool.open()).readiness(pool::ping).stop(pool::close).build())
 *     .step(StartupStep.builder("cache").phase("infrastructure").optional().dependsOn("config")
 *         .start(ctx -> cache.connect()).stop(cache::close).build())
 *     .step(StartupStep.builder("http").phase("service").dependsOn("db").dependsOnOptionally("cache")
 *         .start(ctx -> http.bind()).stop(http::close).build())
 *     .build();                                   // throws InvalidStartupPlanException listing every problem
 * try (Startup startup = plan.start()) {           // returns when READY, DEGRADED or FAILED
 *   System.out.println(startup.report());        // text table; startup.report().toJson() for machines
 *   startup.report().throwIfFailed();
 *   awaitShutdownSignal();
 * }                                              // close(): stops steps in reverse dependency order
 * }</pre>
 */
public final class StartupPlan {
  /** Budget of the whole startup. */
  public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofSeconds(30);
  /** Budget of each phase, counted from the moment the phase begins. */
  public static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofSeconds(20);
  /** Budget of each step (start action, retries and readiness check together). */
  public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(15);
  /** Budget of each readiness check, counted from the moment the start action returns. */
  public static final Duration DEFAULT_READINESS_TIMEOUT = Duration.ofSeconds(5);
  /** Budget of each stop action, on rollback and on {@link Startup#close()}. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);
  /**
   * How long an overrunning step gets to end after being interrupted, and again after its abort hook ran, before it
   * is abandoned.
   */
  public static final Duration DEFAULT_CANCEL_GRACE = Duration.ofMillis(250);
  /** Steps running at the same time on the default pool. */
  public static final int DEFAULT_PARALLELISM = 16;
  /** Largest accepted parallelism. */
  public static final int MAX_PARALLELISM = 4096;
  /** Phase of steps that name none, when the plan declares no phase. */
  public static final String DEFAULT_PHASE = "main";
  /** Name prefix of every thread the startup starts (pool, coordinator, abort hooks, stop actions). */
  public static final String DEFAULT_THREAD_NAME_PREFIX = "steadfast-startup";

  private final List<StartupStep> steps;
  private final List<PlannedStep> planned;
  private final List<String> phases;
  private final long[] phaseTimeoutNanos;
  private final int[] stopOrder;
  private final Duration totalTimeout;
  private final Duration cancelGrace;
  private final int parallelism;
  private final boolean sequential;
  private final ExecutorService executor;
  private final ThreadFactory threadFactory;
  private final String threadNamePrefix;
  private final Environment environment;
  private final List<Bypass> bypasses;
  private final List<StartupListener> listeners;
  private final boolean hangDiagnostics;
  private final RunObserver observer;
  private final Duration poolIdleTimeout;

  private StartupPlan(Builder b, PlanValidator.Result r) {
    this.steps = List.copyOf(b.steps);
    this.planned = r.planned();
    this.phases = r.phases();
    this.phaseTimeoutNanos = r.phaseTimeoutNanos();
    this.stopOrder = r.stopOrder();
    this.totalTimeout = b.totalTimeout;
    this.cancelGrace = b.cancelGrace;
    this.parallelism = b.sequential ? 1 : b.parallelism;
    this.sequential = b.sequential;
    this.executor = b.executor;
    this.threadFactory = b.threadFactory;
    this.threadNamePrefix = b.threadNamePrefix;
    this.environment = r.environment();
    this.bypasses = r.bypasses();
    this.listeners = List.copyOf(b.listeners);
    this.hangDiagnostics = b.hangDiagnostics;
    this.observer = b.observer;
    this.poolIdleTimeout = b.poolIdleTimeout;
  }

  /**
   * Starts describing a plan.
   *
   * @return a builder with every default
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the plan and returns when startup has finished: {@link StartupOutcome#READY}, {@link StartupOutcome#DEGRADED}
   * or {@link StartupOutcome#FAILED} (after rolling back). Never throws because a step failed: read
   * {@link Startup#report()} or call {@link StartupReport#throwIfFailed()}. The coordinator runs on the calling thread.
   *
   * @return the finished startup; close it to stop the started steps
   */
  public Startup start() {
    Startup startup = new Startup(this);
    startup.runHere();
    return startup;
  }

  /**
   * Runs the plan on a coordinator thread and returns at once, so that a health endpoint can report
   * {@link StartupState#STARTING} meanwhile. Wait with {@link Startup#awaitReport(Duration)}.
   *
   * @return the starting startup
   */
  public Startup startInBackground() {
    Startup startup = new Startup(this);
    startup.runInBackground();
    return startup;
  }

  /** @return the steps, in declaration order */
  public List<StartupStep> steps() {
    return steps;
  }

  /** @return the phases, in the order they run */
  public List<String> phases() {
    return phases;
  }

  /** @return the environment the plan runs in (detected or set in code) */
  public Environment environment() {
    return environment;
  }

  /** @return the changes the policy of the current environment makes, in declaration order of the steps */
  public List<Bypass> bypasses() {
    return bypasses;
  }

  /** @return the whole-startup budget */
  public Duration totalTimeout() {
    return totalTimeout;
  }

  /** @return steps running at the same time (1 in sequential mode) */
  public int parallelism() {
    return parallelism;
  }

  /** @return whether steps run one at a time */
  public boolean isSequential() {
    return sequential;
  }

  List<PlannedStep> planned() {
    return planned;
  }

  long phaseTimeoutNanos(int phase) {
    return phaseTimeoutNanos[phase];
  }

  int[] stopOrder() {
    return stopOrder;
  }

  Duration cancelGrace() {
    return cancelGrace;
  }

  Optional<ExecutorService> executor() {
    return Optional.ofNullable(executor);
  }

  Optional<ThreadFactory> threadFactory() {
    return Optional.ofNullable(threadFactory);
  }

  String threadNamePrefix() {
    return threadNamePrefix;
  }

  List<StartupListener> listeners() {
    return listeners;
  }

  boolean hangDiagnostics() {
    return hangDiagnostics;
  }

  RunObserver observer() {
    return observer;
  }

  Duration poolIdleTimeout() {
    return poolIdleTimeout;
  }

  /**
   * Describes a {@link StartupPlan}. Single values are checked when set ({@link IllegalArgumentException} naming the
   * parameter and value; {@link IllegalStateException} when set twice); everything that involves several steps is
   * checked by {@link #build()}, which reports all problems at once.
   *
   * <pre>{@code
   * StartupPlan.builder().totalTimeout(Duration.ofSeconds(60)).step(...).build();
   * }</pre>
   */
  public static final class Builder {
    private final List<StartupStep> steps = new ArrayList<>();
    private final Map<String, Duration> phases = new LinkedHashMap<>();
    private Duration totalTimeout = DEFAULT_TOTAL_TIMEOUT;
    private Duration phaseTimeout = DEFAULT_PHASE_TIMEOUT;
    private Duration stepTimeout = DEFAULT_STEP_TIMEOUT;
    private Duration readinessTimeout = DEFAULT_READINESS_TIMEOUT;
    private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
    private Duration cancelGrace = DEFAULT_CANCEL_GRACE;
    private int parallelism = DEFAULT_PARALLELISM;
    private boolean parallelismSet;
    private boolean sequential;
    private ExecutorService executor;
    private ThreadFactory threadFactory;
    private String threadNamePrefix = DEFAULT_THREAD_NAME_PREFIX;
    private Environment environment;
    private final Map<Environment, EnvironmentPolicy> policies = new EnumMap<>(Environment.class);
    private final List<StartupListener> listeners = new ArrayList<>();
    private boolean hangDiagnostics = true;
    private RunObserver observer = RunObserver.NONE;
    private Duration poolIdleTimeout = StartupPool.DEFAULT_IDLE_TIMEOUT;
    /** The single-value settings made so far, with their values, so a second setting names the first. */
    private final Map<String, Object> settings = new HashMap<>();

    private Builder() {}

    /** Records a single-value setting; a second one is a mistake (two places configuring the same thing). */
    private void once(String setting, Object value) {
      Object first = settings.putIfAbsent(setting, value);
      if (first != null) {
        throw new IllegalStateException(setting + " was already set to " + first + "; set it once");
      }
    }

    /**
     * Adds a step. Order of declaration breaks ties between steps startable at the same moment.
     *
     * @param step the step; not null
     * @return this builder
     */
    public Builder step(StartupStep step) {
      steps.add(Objects.requireNonNull(step, "step"));
      return this;
    }

    /**
     * Adds a step described in place.
     *
     * <pre>{@code
     * builder.step("db", s -> s.dependsOn("config").start(ctx -> pool.open()).stop(pool::close));
     * }</pre>
     *
     * @param name unique step name
     * @param description fills in the step's builder
     * @return this builder
     */
    public Builder step(String name, Consumer<StartupStep.Builder> description) {
      StartupStep.Builder b = StartupStep.builder(name);
      description.accept(b);
      return step(b.build());
    }

    /**
     * Declares the next phase, with the plan's phase timeout. Phases run in the order declared; steps naming a phase
     * that is not declared are reported by {@link #build()}. When no phase is declared, phases run in the order steps
     * first name them, and steps naming none go to the first ({@value #DEFAULT_PHASE} if none is named at all).
     *
     * @param name the phase; not blank
     * @return this builder
     * @throws IllegalStateException when already declared
     */
    public Builder phase(String name) {
      return phase(name, null);
    }

    /**
     * Declares the next phase with its own timeout.
     *
     * @param name the phase; not blank
     * @param timeout positive, or null for the plan's phase timeout
     * @return this builder
     * @throws IllegalArgumentException when blank or the timeout is not positive
     * @throws IllegalStateException when already declared
     */
    public Builder phase(String name, Duration timeout) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("phase name must not be blank: " + name);
      }
      if (timeout != null) {
        Durations.requirePositive(timeout, "timeout of phase '" + name + "'");
      }
      if (phases.containsKey(name)) {
        throw new IllegalStateException("phase '" + name + "' was already declared");
      }
      phases.put(name, timeout);
      return this;
    }

    /**
     * Sets the whole-startup budget. Default {@link #DEFAULT_TOTAL_TIMEOUT}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set
     */
    public Builder totalTimeout(Duration timeout) {
      once("totalTimeout", Durations.requirePositive(timeout, "totalTimeout"));
      this.totalTimeout = timeout;
      return this;
    }

    /**
     * Sets the budget of each phase without its own. Default {@link #DEFAULT_PHASE_TIMEOUT}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set
     */
    public Builder phaseTimeout(Duration timeout) {
      once("phaseTimeout", Durations.requirePositive(timeout, "phaseTimeout"));
      this.phaseTimeout = timeout;
      return this;
    }

    /**
     * Sets the budget of each step without its own. Default {@link #DEFAULT_STEP_TIMEOUT}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set
     */
    public Builder stepTimeout(Duration timeout) {
      once("stepTimeout", Durations.requirePositive(timeout, "stepTimeout"));
      this.stepTimeout = timeout;
      return this;
    }

    /**
     * Sets the readiness budget of each step without its own. Default {@link #DEFAULT_READINESS_TIMEOUT}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set
     */
    public Builder readinessTimeout(Duration timeout) {
      once("readinessTimeout", Durations.requirePositive(timeout, "readinessTimeout"));
      this.readinessTimeout = timeout;
      return this;
    }

    /**
     * Sets the stop budget of each step without its own. Default {@link #DEFAULT_STOP_TIMEOUT}.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set
     */
    public Builder stopTimeout(Duration timeout) {
      once("stopTimeout", Durations.requirePositive(timeout, "stopTimeout"));
      this.stopTimeout = timeout;
      return this;
    }

    /**
     * Sets the grace an interrupted step gets, and again after its abort hook, before being abandoned. Default
     * {@link #DEFAULT_CANCEL_GRACE}; at most 10 seconds, since it adds to the total budget.
     *
     * @param grace positive, at most 10 s
     * @return this builder
     * @throws IllegalArgumentException when out of range
     * @throws IllegalStateException when already set
     */
    public Builder cancelGrace(Duration grace) {
      Durations.requirePositive(grace, "cancelGrace");
      if (grace.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException("cancelGrace must be at most PT10S: " + grace);
      }
      once("cancelGrace", grace);
      this.cancelGrace = grace;
      return this;
    }

    /**
     * Sets how many steps may run at the same time. Default {@link #DEFAULT_PARALLELISM}.
     *
     * @param parallelism 1 to {@link #MAX_PARALLELISM}
     * @return this builder
     * @throws IllegalArgumentException when out of range
     * @throws IllegalStateException when {@link #sequential()} was called, or parallelism already set
     */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
        throw new IllegalArgumentException("parallelism must be between 1 and " + MAX_PARALLELISM + ": "
            + parallelism);
      }
      if (sequential) {
        throw new IllegalStateException("parallelism conflicts with sequential(): choose one");
      }
      once("parallelism", parallelism);
      this.parallelism = parallelism;
      this.parallelismSet = true;
      return this;
    }

    /**
     * Runs one step at a time, in declaration order among startable steps: for debugging. Timeouts still apply.
     *
     * @return this builder
     * @throws IllegalStateException when {@link #parallelism(int)} was set, or sequential() already called
     */
    public Builder sequential() {
      if (parallelismSet) {
        throw new IllegalStateException("sequential() conflicts with parallelism(" + parallelism + "): choose one");
      }
      once("sequential()", true);
      this.sequential = true;
      return this;
    }

    /**
     * Runs steps on the caller's executor (for example a managed executor of {@code ThreadManager}) instead of the
     * startup's own pool. The startup never shuts it down. Parallelism still bounds how many steps are submitted at
     * once; an executor with fewer threads makes steps wait (inside their budget).
     *
     * @param executor the executor; not null
     * @return this builder
     * @throws IllegalStateException when a thread factory or executor was already set
     */
    public Builder executor(ExecutorService executor) {
      if (this.executor != null || threadFactory != null) {
        throw new IllegalStateException("executor or threadFactory was already set; set only one");
      }
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Creates the startup's own pool threads with the caller's factory (they should be daemons, so an abandoned step
     * cannot keep the JVM alive). The pool is shut down when startup finishes.
     *
     * @param factory the factory; not null
     * @return this builder
     * @throws IllegalStateException when a thread factory or executor was already set
     */
    public Builder threadFactory(ThreadFactory factory) {
      if (this.executor != null || threadFactory != null) {
        throw new IllegalStateException("executor or threadFactory was already set; set only one");
      }
      this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
      return this;
    }

    /**
     * Sets the name prefix of the threads the startup starts. Default {@link #DEFAULT_THREAD_NAME_PREFIX}.
     *
     * @param prefix not blank
     * @return this builder
     * @throws IllegalArgumentException when blank
     * @throws IllegalStateException when already set
     */
    public Builder threadNamePrefix(String prefix) {
      if (prefix == null || prefix.isBlank()) {
        throw new IllegalArgumentException("threadNamePrefix must not be blank: " + prefix);
      }
      once("threadNamePrefix", prefix);
      this.threadNamePrefix = prefix;
      return this;
    }

    /**
     * Sets the environment in code, instead of detecting it with {@link Environment#detect()}.
     *
     * @param environment not null
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder environment(Environment environment) {
      once("environment", Objects.requireNonNull(environment, "environment"));
      this.environment = environment;
      return this;
    }

    /**
     * Registers what changes in an environment. Applies only when the plan runs there.
     *
     * @param environment the environment
     * @param policy the policy
     * @return this builder
     * @throws IllegalStateException when that environment already has a policy
     */
    public Builder policy(Environment environment, EnvironmentPolicy policy) {
      Objects.requireNonNull(environment, "environment");
      Objects.requireNonNull(policy, "policy");
      if (policies.putIfAbsent(environment, policy) != null) {
        throw new IllegalStateException("a policy for " + environment + " was already set");
      }
      return this;
    }

    /**
     * Adds a listener for step events and state changes.
     *
     * @param listener not null
     * @return this builder
     */
    public Builder listener(StartupListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Turns off the thread dump and deadlock analysis taken when a step overruns (on by default). Only for services
     * with so many threads that a dump would itself be slow; the overrunning step's own stack is always captured.
     *
     * @param enabled whether to analyze
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder hangDiagnostics(boolean enabled) {
      once("hangDiagnostics", enabled);
      this.hangDiagnostics = enabled;
      return this;
    }

    /** A test seam: sees every decision of each run. */
    Builder observer(RunObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** A test seam: a tiny idle timeout makes the pool's workers retire all the time. */
    Builder poolIdleTimeout(Duration timeout) {
      this.poolIdleTimeout = Durations.requirePositive(timeout, "poolIdleTimeout");
      return this;
    }

    /**
     * Validates and builds the plan.
     *
     * @return the immutable plan
     * @throws InvalidStartupPlanException listing every problem: duplicate names, missing start actions, unknown
     *     dependencies or phases, dependency cycles (printed as {@code cache -> db -> cache}), dependencies on a later
     *     phase, required steps depending on optional or skipped ones without saying how they behave without them,
     *     policy rules naming unknown steps
     */
    public StartupPlan build() {
      Environment env = environment != null ? environment : Environment.detect();
      PlanValidator.Result result = new PlanValidator(steps, Collections.unmodifiableMap(phases), phaseTimeout,
          stepTimeout, readinessTimeout, stopTimeout, env, policies.get(env)).validate();
      return new StartupPlan(this, result);
    }
  }
}
