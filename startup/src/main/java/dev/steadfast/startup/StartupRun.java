package dev.steadfast.startup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a plan. A single coordinator thread makes every decision; step threads only report completions through
 * a queue, so decisions never race and the coordinator sleeps until the next completion or deadline (no polling).
 */
final class StartupRun {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);
  private static final int RUNNING = 0;
  private static final int INTERRUPTED = 1;
  private static final int ABORTED = 2;
  private static final int ABANDONED = 3;
  private static final long MIN_READINESS_PAUSE = TimeUnit.MILLISECONDS.toNanos(5);
  private static final long MAX_READINESS_PAUSE = TimeUnit.MILLISECONDS.toNanos(250);

  private final StartupPlan plan;
  private final Startup startup;
  private final Slot[] slots;
  private final List<List<Slot>> phaseMembers = new ArrayList<>();
  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final PriorityQueue<Slot> ready = new PriorityQueue<>((a, b) -> Integer.compare(a.p.index(), b.p.index()));
  private final List<Slot> late = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final long graceNanos;
  private ExecutorService executor;
  private boolean ownExecutor;
  private boolean renameThreads;
  private long t0;
  private long totalDeadline;
  private long phaseStart;
  private int phase;
  private int running;
  private boolean failing;
  private String failedStep;
  private StepError rootCause;

  private record Timer(long at, int step, int stage) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(at - o.at, 0);
      return c != 0 ? c : Integer.compare(step, o.step);
    }
  }

  private record Done(Slot slot, Throwable error) {}

  private record Cancel(String reason) {}

  /** Runtime state of one step. Fields without a comment belong to the coordinator thread only. */
  static final class Slot implements StepContext {
    final PlannedStep p;
    final Environment environment;
    StepStatus status;
    boolean evaluated;
    boolean launched;
    boolean counted;
    int pendingDeps;
    int stage;
    boolean cancelled;
    long startNanos = -1;
    long endNanos = -1;
    String detail = "";
    StepError error;
    HangDiagnosis diagnosis;
    StopReport rollback;
    /** Written before the step is submitted, read by the step thread. */
    volatile long deadline;
    /** Written by the step thread. */
    volatile Thread thread;
    volatile String threadName = "";
    volatile int attempts;
    volatile String retryNote = "";
    volatile String abortNote;
    /** Guarded by this: the interrupt handshake, so an interrupt never reaches the pool's next task. */
    private Thread runningThread;
    private boolean finished;
    private boolean interruptRequested;

    Slot(PlannedStep p, Environment environment) {
      this.p = p;
      this.environment = environment;
    }

    @Override
    public String stepName() {
      return p.name();
    }

    @Override
    public int attempt() {
      return attempts;
    }

    @Override
    public Duration remaining() {
      return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @Override
    public Environment environment() {
      return environment;
    }

    synchronized void register(Thread t) {
      runningThread = t;
      if (interruptRequested) {
        t.interrupt();
      }
    }

    synchronized void unregister() {
      finished = true;
      runningThread = null;
    }

    synchronized void interrupt() {
      interruptRequested = true;
      if (runningThread != null && !finished) {
        runningThread.interrupt();
      }
    }
  }

  StartupRun(StartupPlan plan, Startup startup) {
    this.plan = plan;
    this.startup = startup;
    List<PlannedStep> planned = plan.planned();
    this.slots = new Slot[planned.size()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot(planned.get(i), plan.environment());
    }
    for (int ph = 0; ph < plan.phases().size(); ph++) {
      phaseMembers.add(new ArrayList<>());
    }
    for (Slot s : slots) {
      phaseMembers.get(s.p.phase()).add(s);
    }
    this.graceNanos = plan.cancelGrace().toNanos();
  }

  /** Asks the coordinator to cancel; safe from any thread. */
  void cancel(String reason) {
    events.add(new Cancel(reason));
  }

  StartupReport run() {
    t0 = System.nanoTime();
    Instant startedAt = Instant.now();
    totalDeadline = t0 + Durations.toNanosSaturated(plan.totalTimeout());
    boolean interrupted = false;
    openExecutor();
    try {
      for (phase = 0; phase < phaseMembers.size() && !failing; phase++) {
        interrupted |= runPhase();
      }
    } finally {
      closeExecutor();
    }
    for (Slot s : slots) {
      if (s.status == null) {
        s.status = StepStatus.NOT_STARTED;
        s.detail = failedStep != null ? "not started: required step '" + failedStep + "' failed"
            : "not started: " + (rootCause != null ? rootCause.rootCauseMessage() : "startup ended before its turn");
      }
    }
    for (Slot s : late) {
      s.rollback = stopStep(s, t0);
    }
    if (failing) {
      rollback();
    }
    StartupOutcome outcome = failing ? StartupOutcome.FAILED : StartupOutcome.READY;
    for (Slot s : slots) {
      if (!failing && (s.status == StepStatus.FAILED || s.status == StepStatus.TIMED_OUT
          || s.status == StepStatus.ABANDONED)) {
        outcome = StartupOutcome.DEGRADED;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    List<StepReport> steps = new ArrayList<>(slots.length);
    for (Slot s : slots) {
      steps.add(new StepReport(s.p.name(), plan.phases().get(s.p.phase()), s.p.criticality(), s.status,
          s.launched ? Optional.of(Duration.ofNanos(s.startNanos - t0)) : Optional.empty(),
          s.launched ? Duration.ofNanos(Math.max(0, s.endNanos - s.startNanos)) : Duration.ZERO, s.threadName,
          s.attempts, Optional.ofNullable(s.error), s.detail, Optional.ofNullable(s.diagnosis),
          Optional.ofNullable(s.rollback)));
    }
    return new StartupReport(outcome, plan.environment(), startedAt, Duration.ofNanos(System.nanoTime() - t0),
        plan.parallelism(), plan.isSequential(), steps, plan.bypasses(), failedStep, rootCause, warnings);
  }

  // ---------------------------------------------------------------- phases and decisions

  /** Runs the current phase to its end; returns whether the coordinator was interrupted. */
  private boolean runPhase() {
    boolean interrupted = false;
    List<Slot> members = phaseMembers.get(phase);
    phaseStart = System.nanoTime();
    for (Slot s : members) {
      int same = 0;
      for (int d : s.p.dependencies()) {
        same += slots[d].p.phase() == phase ? 1 : 0;
      }
      for (int d : s.p.optionalDependencies()) {
        same += slots[d].p.phase() == phase ? 1 : 0;
      }
      s.pendingDeps = same;
    }
    drainEvents();
    for (Slot s : members) {
      if (s.pendingDeps == 0 && !s.evaluated) {
        evaluate(s);
      }
    }
    while (true) {
      while (!failing && running < plan.parallelism() && !ready.isEmpty()) {
        launch(ready.poll());
      }
      if (running == 0 && (failing || ready.isEmpty())) {
        ready.clear();
        return interrupted;
      }
      Timer next = timers.peek();
      try {
        Object event = next == null ? events.take()
            : events.poll(next.at() - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (event != null) {
          handle(event);
          drainEvents();
        }
      } catch (InterruptedException e) {
        interrupted = true;
        handle(new Cancel("the thread running startup was interrupted"));
      }
      fireDueTimers();
    }
  }

  private void drainEvents() {
    for (Object more = events.poll(); more != null; more = events.poll()) {
      handle(more);
    }
  }

  /** A step whose same-phase dependencies are all resolved: skip it, or make it ready. */
  private void evaluate(Slot first) {
    ArrayDeque<Slot> work = new ArrayDeque<>();
    work.add(first);
    while (!work.isEmpty()) {
      Slot s = work.poll();
      s.evaluated = true;
      if (failing) {
        continue;
      }
      String skip = s.p.skipReason();
      if (skip == null) {
        for (int d : s.p.dependencies()) {
          if (slots[d].status != StepStatus.UP) {
            skip = "dependency '" + slots[d].p.name() + "' is " + slots[d].status;
            break;
          }
        }
      }
      if (skip != null) {
        finish(s, StepStatus.SKIPPED, null, skip, work);
        continue;
      }
      for (int d : s.p.optionalDependencies()) {
        if (slots[d].status != StepStatus.UP) {
          s.detail = append(s.detail, "started without optional dependency '" + slots[d].p.name() + "' ("
              + slots[d].status + ")");
        }
      }
      ready.add(s);
    }
  }

  private void launch(Slot s) {
    long now = System.nanoTime();
    long stepDeadline = now + s.p.timeoutNanos();
    long phaseDeadline = phaseStart + plan.phaseTimeoutNanos(phase);
    long deadline = stepDeadline;
    String bound = "its step timeout " + Duration.ofNanos(s.p.timeoutNanos());
    if (phaseDeadline - deadline < 0) {
      deadline = phaseDeadline;
      bound = "what was left of phase '" + plan.phases().get(phase) + "' (timeout "
          + Duration.ofNanos(plan.phaseTimeoutNanos(phase)) + ")";
    }
    if (totalDeadline - deadline < 0) {
      deadline = totalDeadline;
      bound = "what was left of the total startup budget " + plan.totalTimeout();
    }
    s.launched = true;
    s.startNanos = now;
    s.deadline = deadline;
    if (deadline - now <= 0) {
      s.endNanos = now;
      finish(s, StepStatus.TIMED_OUT, StepError.of(new StepTimeoutException("step '" + s.p.name()
          + "' could not start: " + bound + " was used up before its turn")), s.detail, null);
      return;
    }
    s.error = StepError.of(new StepTimeoutException("step '" + s.p.name() + "' did not finish within " + bound));
    running++;
    s.counted = true;
    timers.add(new Timer(deadline, s.p.index(), RUNNING));
    fire(s, StepEvent.Kind.STARTING, null);
    try {
      executor.execute(() -> runStep(s));
    } catch (RejectedExecutionException e) {
      running--;
      s.counted = false;
      s.endNanos = System.nanoTime();
      finish(s, StepStatus.FAILED, StepError.of(e), "the executor rejected the step", null);
    }
  }

  private void handle(Object event) {
    if (event instanceof Done done) {
      completed(done.slot(), done.error());
    } else if (event instanceof Cancel cancel) {
      if (!failing) {
        LOG.warn("Startup cancelled: {}", cancel.reason());
        failing = true;
        rootCause = StepError.of(new CancellationException("startup was cancelled: " + cancel.reason()));
        cancelRunning("cancelled: " + cancel.reason());
      }
    }
  }

  private void completed(Slot s, Throwable error) {
    if (s.stage == ABANDONED) {
      LOG.warn("Abandoned step '{}' ended after all ({})", s.p.name(), error == null ? "came up" : error.toString());
      if (error == null && !late.contains(s)) {
        late.add(s);
        s.detail = append(s.detail, "came up after being abandoned: stopped");
      }
      return;
    }
    running--;
    s.counted = false;
    s.endNanos = System.nanoTime();
    if (s.stage == RUNNING) {
      if (error == null) {
        s.error = null;
        finish(s, StepStatus.UP, null, s.detail, null);
      } else {
        StepStatus status = error instanceof StepTimeoutException ? StepStatus.TIMED_OUT : StepStatus.FAILED;
        finish(s, status, StepError.of(error), append(s.detail, s.retryNote), null);
      }
      return;
    }
    String detail = s.detail;
    if (s.abortNote != null) {
      detail = append(detail, s.abortNote);
    }
    if (error == null) {
      late.add(s);
      detail = append(detail, "its start action returned after the interrupt: stopped");
    }
    if (s.cancelled) {
      finish(s, StepStatus.CANCELLED, error == null ? null : StepError.of(error), detail, null);
    } else {
      finish(s, StepStatus.TIMED_OUT, s.error, append(detail, "ended after being interrupted"), null);
    }
  }

  /** Records a final status, tells listeners, and resolves same-phase dependants. */
  private void finish(Slot s, StepStatus status, StepError error, String detail, ArrayDeque<Slot> work) {
    s.status = status;
    s.error = error;
    s.detail = detail == null ? "" : detail;
    if (s.endNanos < 0 && s.launched) {
      s.endNanos = System.nanoTime();
    }
    fire(s, kindOf(status), error);
    // A required step is only ever SKIPPED by its environment policy (validation rejects the other ways), which is
    // a listed bypass, not a failure.
    if (status != StepStatus.UP && status != StepStatus.CANCELLED && status != StepStatus.SKIPPED
        && s.p.required() && !failing) {
      StepError cause = error != null ? error
          : StepError.of(new IllegalStateException("required step '" + s.p.name() + "' " + status + ": " + detail));
      fail(s, cause);
    }
    if (!s.p.required() && status != StepStatus.UP && status != StepStatus.SKIPPED) {
      LOG.warn("Optional step '{}' {}: the service will be DEGRADED ({})", s.p.name(), status,
          error == null ? detail : error);
    }
    boolean cascade = work == null;
    ArrayDeque<Slot> queue = cascade ? new ArrayDeque<>() : work;
    for (int d : s.p.dependants()) {
      Slot dependant = slots[d];
      if (dependant.p.phase() == phase && !dependant.evaluated && --dependant.pendingDeps == 0) {
        queue.add(dependant);
      }
    }
    if (cascade) {
      while (!queue.isEmpty()) {
        evaluate(queue.poll());
      }
    }
  }

  private void fail(Slot s, StepError cause) {
    failing = true;
    failedStep = s.p.name();
    rootCause = cause;
    LOG.error("Startup failed: required step '{}' did not come up: {}", s.p.name(), cause, cause.exception());
    cancelRunning("cancelled because required step '" + s.p.name() + "' failed");
  }

  private void cancelRunning(String reason) {
    long now = System.nanoTime();
    for (Slot s : slots) {
      if (s.counted && s.stage == RUNNING) {
        s.cancelled = true;
        s.detail = append(s.detail, reason);
        s.stage = INTERRUPTED;
        s.interrupt();
        timers.add(new Timer(now + graceNanos, s.p.index(), INTERRUPTED));
      }
    }
  }

  // ---------------------------------------------------------------- deadlines

  private void fireDueTimers() {
    long now = System.nanoTime();
    List<Slot> overrun = new ArrayList<>();
    while (!timers.isEmpty() && timers.peek().at() - now <= 0) {
      Timer t = timers.poll();
      Slot s = slots[t.step()];
      if (!s.counted || s.stage != t.stage()) {
        continue;
      }
      if (t.stage() == RUNNING) {
        overrun.add(s);
      } else if (t.stage() == INTERRUPTED && s.p.step().abortHook().isPresent()) {
        runAbortHook(s);
      } else {
        abandon(s);
      }
    }
    if (overrun.isEmpty()) {
      return;
    }
    HangInspector.Analysis analysis = HangInspector.analyze(plan.hangDiagnostics());
    Slot firstRequired = null;
    for (Slot s : overrun) {
      s.diagnosis = HangInspector.diagnose(s.thread, s.threadName, analysis);
      LOG.error("Step '{}' overran: {}; interrupting it. Its thread:\n{}{}", s.p.name(), s.error.message(),
          s.diagnosis.stack(), s.diagnosis.deadlocks().isEmpty() ? "" : "\n" + String.join("\n",
              s.diagnosis.deadlocks()));
      s.stage = INTERRUPTED;
      s.interrupt();
      timers.add(new Timer(System.nanoTime() + graceNanos, s.p.index(), INTERRUPTED));
      if (firstRequired == null && s.p.required()) {
        firstRequired = s;
      }
    }
    if (firstRequired != null && !failing) {
      fail(firstRequired, firstRequired.error);
    }
  }

  private void runAbortHook(Slot s) {
    s.stage = ABORTED;
    AbortHook hook = s.p.step().abortHook().orElseThrow();
    LOG.warn("Step '{}' ignored the interrupt for {}; running its abort hook", s.p.name(), plan.cancelGrace());
    Thread t = new Thread(() -> {
      try {
        hook.abort();
        s.abortNote = "abort hook ran";
      } catch (Exception | LinkageError e) {
        s.abortNote = "abort hook threw " + e;
        LOG.warn("Abort hook of step '{}' threw", s.p.name(), e);
      }
    }, plan.threadNamePrefix() + "-abort:" + s.p.name());
    t.setDaemon(true);
    t.start();
    timers.add(new Timer(System.nanoTime() + graceNanos, s.p.index(), ABORTED));
  }

  private void abandon(Slot s) {
    s.stage = ABANDONED;
    running--;
    s.counted = false;
    s.endNanos = System.nanoTime();
    if (s.diagnosis == null) {
      s.diagnosis = HangInspector.diagnose(s.thread, s.threadName, HangInspector.analyze(plan.hangDiagnostics()));
    }
    if (s.abortNote != null) {
      s.diagnosis = s.diagnosis.withNote(s.abortNote);
    }
    String detail = append(s.detail, "thread '" + s.threadName + "' ignored the interrupt"
        + (s.p.step().abortHook().isPresent() ? " and the abort hook" : "") + " and was abandoned (daemon)");
    warnings.add("step '" + s.p.name() + "' was abandoned: its thread '" + s.threadName
        + "' is still running (it is a daemon and does not keep the JVM alive)");
    LOG.error("Step '{}' abandoned: thread '{}' is still running", s.p.name(), s.threadName);
    List<String> poisoned = s.diagnosis.initializingClasses();
    if (!poisoned.isEmpty()) {
      String warning = "step '" + s.p.name() + "' was abandoned inside the static initializer of " + poisoned
          + ": " + (poisoned.size() == 1 ? "that class is" : "those classes are")
          + " poisoned for the life of " + (poisoned.size() == 1 ? "its" : "their") + " class loader, for"
          + " application classes the life of this JVM (every later use blocks or throws NoClassDefFoundError);"
          + " restart the JVM";
      warnings.add(warning);
      LOG.error("POISONED CLASS: {}", warning);
    }
    StepError error = s.cancelled && s.error != null && s.error.exception() instanceof StepTimeoutException
        ? StepError.of(new CancellationException(detail)) : s.error;
    finish(s, StepStatus.ABANDONED, error, detail, null);
  }

  // ---------------------------------------------------------------- the step thread

  private void runStep(Slot s) {
    Thread me = Thread.currentThread();
    String original = me.getName();
    if (renameThreads) {
      me.setName(original + ":" + s.p.name());
    }
    s.thread = me;
    s.threadName = me.getName();
    s.register(me);
    Throwable error = null;
    try {
      error = attempts(s);
    } finally {
      s.unregister();
      // An interrupt meant for this step must not reach the pool's next task.
      Thread.interrupted();
      if (renameThreads) {
        me.setName(original);
      }
      events.add(new Done(s, error));
    }
  }

  private Throwable attempts(Slot s) {
    StartupStep step = s.p.step();
    StepAction action = step.startAction().orElseThrow();
    ReadinessCheck readiness = step.readinessCheck().orElse(null);
    long backoff = step.retryBackoff().toNanos();
    Throwable last = null;
    for (int attempt = 1; attempt <= step.maxAttempts(); attempt++) {
      s.attempts = attempt;
      try {
        action.start(s);
        if (readiness != null) {
          awaitReadiness(s, readiness);
        }
        return null;
      } catch (InterruptedException e) {
        return e;
      } catch (Throwable t) {
        // Any Throwable, Errors included (ExceptionInInitializerError, NoClassDefFoundError, StackOverflowError):
        // it is this step's failure to report, and must not kill the pool thread silently.
        last = t;
        if (Thread.currentThread().isInterrupted()) {
          return t;
        }
      }
      if (attempt < step.maxAttempts()) {
        long left = s.deadline - System.nanoTime();
        if (left <= backoff) {
          s.retryNote = "gave up after attempt " + attempt + " of " + step.maxAttempts() + ": the next pause ("
              + Duration.ofNanos(backoff) + ") would reach its deadline";
          return last;
        }
        LOG.warn("Step '{}' attempt {} of {} failed, retrying in {}: {}", s.p.name(), attempt, step.maxAttempts(),
            Duration.ofNanos(backoff), last.toString());
        try {
          TimeUnit.NANOSECONDS.sleep(backoff);
        } catch (InterruptedException e) {
          return last;
        }
        backoff = Math.min(backoff * 2, Long.MAX_VALUE / 4);
      }
    }
    return last;
  }

  private void awaitReadiness(Slot s, ReadinessCheck check) throws Exception {
    long started = System.nanoTime();
    long deadline = started + s.p.readinessTimeoutNanos();
    if (s.deadline - deadline < 0) {
      deadline = s.deadline;
    }
    long pause = MIN_READINESS_PAUSE;
    int checks = 0;
    Exception lastError = null;
    while (true) {
      checks++;
      try {
        if (check.isReady()) {
          return;
        }
        lastError = null;
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        lastError = e;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new StepTimeoutException("readiness check of step '" + s.p.name() + "' did not pass within "
            + Durations.format(System.nanoTime() - started) + " (" + checks + " checks; readiness timeout "
            + Duration.ofNanos(s.p.readinessTimeoutNanos()) + ")"
            + (lastError == null ? "" : "; last check threw " + lastError), lastError);
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, MAX_READINESS_PAUSE);
    }
  }

  // ---------------------------------------------------------------- executor, stops, listeners

  private void openExecutor() {
    if (plan.executor().isPresent()) {
      executor = plan.executor().get();
      return;
    }
    ThreadFactory factory = plan.threadFactory().orElse(null);
    if (factory == null) {
      renameThreads = true;
      AtomicInteger counter = new AtomicInteger();
      String prefix = plan.threadNamePrefix();
      factory = r -> {
        Thread t = new Thread(r, prefix + "-" + counter.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }
    ThreadPoolExecutor pool = new ThreadPoolExecutor(plan.parallelism(), plan.parallelism(), 1, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), factory);
    pool.allowCoreThreadTimeOut(true);
    executor = pool;
    ownExecutor = true;
  }

  private void closeExecutor() {
    if (!ownExecutor) {
      return;
    }
    executor.shutdown();
    boolean abandoned = false;
    for (Slot s : slots) {
      abandoned |= s.stage == ABANDONED;
    }
    if (!abandoned) {
      try {
        // Idle workers exit promptly after shutdown; waiting here means no startup thread outlives start().
        executor.awaitTermination(graceNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void rollback() {
    int[] order = plan.stopOrder();
    for (int k = order.length - 1; k >= 0; k--) {
      Slot s = slots[order[k]];
      if (s.status == StepStatus.UP) {
        s.rollback = stopStep(s, t0);
      }
    }
  }

  /** Stops every step that is up, in reverse dependency order; for {@link Startup#close()}. */
  List<StopReport> stopAll(long origin) {
    List<StopReport> stops = new ArrayList<>();
    int[] order = plan.stopOrder();
    for (int k = order.length - 1; k >= 0; k--) {
      Slot s = slots[order[k]];
      if (s.status == StepStatus.UP) {
        stops.add(stopStep(s, origin));
      }
    }
    return stops;
  }

  private StopReport stopStep(Slot s, long origin) {
    StopReport report = Stopper.stop(s.p, plan.threadNamePrefix(), graceNanos);
    StepEvent.Kind kind = report.status() == StopReport.Status.STOPPED
        || report.status() == StopReport.Status.NO_STOP_ACTION ? StepEvent.Kind.STOPPED : StepEvent.Kind.STOP_FAILED;
    emit(new StepEvent(s.p.name(), kind, Duration.ofNanos(System.nanoTime() - origin), report.thread(), s.attempts,
        report.error(), report.status().name()));
    return report;
  }

  private void fire(Slot s, StepEvent.Kind kind, StepError error) {
    if (plan.listeners().isEmpty()) {
      return;
    }
    emit(new StepEvent(s.p.name(), kind, Duration.ofNanos(System.nanoTime() - t0), s.threadName, s.attempts,
        Optional.ofNullable(error), s.detail));
  }

  private void emit(StepEvent event) {
    for (StartupListener listener : plan.listeners()) {
      try {
        listener.onStepEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("Startup listener {} threw on {} of step '{}'", listener, event.kind(), event.step(), e);
        synchronized (warnings) {
          warnings.add("listener " + listener + " threw on " + event.kind() + " of step '" + event.step() + "': "
              + e);
        }
      }
    }
  }

  private static StepEvent.Kind kindOf(StepStatus status) {
    return switch (status) {
      case UP -> StepEvent.Kind.UP;
      case FAILED -> StepEvent.Kind.FAILED;
      case TIMED_OUT -> StepEvent.Kind.TIMED_OUT;
      case ABANDONED -> StepEvent.Kind.ABANDONED;
      case CANCELLED -> StepEvent.Kind.CANCELLED;
      case SKIPPED, NOT_STARTED -> StepEvent.Kind.SKIPPED;
    };
  }

  private static String append(String text, String more) {
    if (more == null || more.isEmpty()) {
      return text;
    }
    return text.isEmpty() ? more : text + "; " + more;
  }
}
