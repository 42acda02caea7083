package dev.steadfast.startup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a plan.
 *
 * <p>Every decision is made while holding {@link #role}, by whichever thread holds it, so decisions never race and
 * follow one order. A step thread that finishes posts its completion and, when the role is free, makes the resulting
 * decisions itself and runs the first step they make startable on the same thread (no hand-off on the critical path).
 * A thread that finds the role taken never waits for it: it wakes the coordinator, which handles the completion.
 * The coordinator (the thread that called {@code start()}) parks until woken or until the next deadline, and handles
 * deadlines: nothing polls. Listeners are called outside the role, in decision order, never concurrently.
 */
final class StartupRun {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);
  /** Attempts to take a busy role before handing a completion to the coordinator (see tryAcquireRole). */
  private static final int ROLE_SPINS = 256;

  private final StartupPlan plan;
  private final Slot[] slots;
  private final List<List<Slot>> phaseMembers = new ArrayList<>();
  /** Completions and cancellations, handled by whichever thread next holds the role. */
  private final ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
  private final ReentrantLock role = new ReentrantLock();
  /** The thread running {@link #run()}; woken with {@link LockSupport#unpark} (its permit makes no wake-up lost). */
  private volatile Thread coordinator;
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final PriorityQueue<Slot> ready = new PriorityQueue<>((a, b) -> Integer.compare(a.p.index(), b.p.index()));
  private final List<Slot> late = new ArrayList<>();
  /** Steps begun under the role, handed to the executor after releasing it (creating a thread can take a while). */
  private final List<Slot> toDispatch = new ArrayList<>();
  /**
   * Steps begun and handed over that no thread has picked up yet. While there are any, a step thread does not take a
   * newly startable step for itself: it returns to the executor, which gives it the oldest waiting one, so a step
   * handed over never waits behind a chain of steps begun after it.
   */
  private final AtomicInteger awaitingThread = new AtomicInteger();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  /** Classes already warned about as poisoned, so each is named once per report. */
  private final Set<String> poisonedClasses = new HashSet<>();
  private final long graceNanos;
  private final RunObserver observer;
  /** Step events, delivered outside the role in decision order. */
  private final ListenerQueue listeners;
  private final StepAttempts stepAttempts = new StepAttempts((slot, round, deadline) -> {
    events.add(new ReadinessBegan(slot, round, deadline));
    wakeCoordinator();
  });
  private RunExecutor executor;
  private long t0;
  private long totalDeadline;
  private long phaseStart;
  private int phase;
  private int running;
  private boolean failing;
  private String failedStep;
  private StepError rootCause;

  /** A deadline; {@code round} tells a readiness check's deadline from the check of an earlier attempt. */
  private record Timer(long at, int step, Slot.Stage stage, int round) implements Comparable<Timer> {
    Timer(long at, int step, Slot.Stage stage) {
      this(at, step, stage, 0);
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(at - o.at, 0);
      return c != 0 ? c : Integer.compare(step, o.step);
    }
  }

  private record Done(Slot slot, Throwable error) {}

  private record Cancel(String reason) {}

  private record Rejected(Slot slot, RejectedExecutionException error) {}

  /** A thread took a step after its first timer had fired: its own deadline needs a timer. */
  private record Claimed(Slot slot) {}

  /** A step's readiness check began: it runs under its own deadline (round counts the checks of the step). */
  private record ReadinessBegan(Slot slot, int round, long deadline) {}


  StartupRun(StartupPlan plan) {
    this.plan = plan;
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
    this.observer = plan.observer();
    this.listeners = new ListenerQueue(plan.listeners(), warnings);
  }

  /** Cancels the startup; safe from any thread. */
  void cancel(String reason) {
    events.add(new Cancel(reason));
    wakeCoordinator();
  }

  private void wakeCoordinator() {
    Thread c = coordinator;
    if (c != null && c != Thread.currentThread()) {
      LockSupport.unpark(c);
    }
  }

  StartupReport run() {
    coordinator = Thread.currentThread();
    t0 = System.nanoTime();
    Instant startedAt = Instant.now();
    totalDeadline = t0 + Durations.toNanosSaturated(plan.totalTimeout());
    boolean interrupted = false;
    openExecutor();
    try {
      for (phase = 0; ; phase++) {
        boolean next;
        List<Slot> begun;
        role.lock();
        try {
          next = phase < phaseMembers.size() && !failing;
          if (next) {
            startPhase();
          }
          begun = takeBegun();
        } finally {
          role.unlock();
        }
        dispatchBegun(begun);
        emitPending();
        if (!next) {
          break;
        }
        interrupted |= awaitPhase();
      }
    } finally {
      // Late completions of abandoned steps must not unpark the caller's thread once it has moved on.
      coordinator = null;
      closeExecutor();
    }
    // A step thread may still be delivering the last decisions: every event of the startup reaches the listeners
    // (and a listener's failure the report's warnings) before the report is returned.
    emitAllPending();
    List<Slot> lateSteps;
    boolean failed;
    role.lock();
    try {
      for (Slot s : slots) {
        if (s.status == null) {
          s.status = StepStatus.NOT_STARTED;
          s.detail = failedStep != null ? "not started: required step '" + failedStep + "' failed"
              : "not started: " + (rootCause != null ? rootCause.rootCauseMessage()
                  : "startup ended before its turn");
        }
      }
      lateSteps = new ArrayList<>(late);
      failed = failing;
    } finally {
      role.unlock();
    }
    for (Slot s : lateSteps) {
      s.rollback = stopStep(s, t0);
    }
    if (failed) {
      rollback();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    role.lock();
    try {
      StartupOutcome outcome = failing ? StartupOutcome.FAILED : StartupOutcome.READY;
      List<StepReport> steps = new ArrayList<>(slots.length);
      for (Slot s : slots) {
        if (!failing && (s.status == StepStatus.FAILED || s.status == StepStatus.TIMED_OUT
            || s.status == StepStatus.ABANDONED)) {
          outcome = StartupOutcome.DEGRADED;
        }
        long ranFrom = s.ranFrom;
        long ranTo = s.ranTo >= 0 ? s.ranTo : s.endNanos;
        steps.add(new StepReport(s.p.name(), plan.phases().get(s.p.phase()), s.p.criticality(), s.status,
            ranFrom >= 0 ? Optional.of(Duration.ofNanos(ranFrom - t0)) : Optional.empty(),
            ranFrom >= 0 ? Duration.ofNanos(Math.max(0, ranTo - ranFrom)) : Duration.ZERO, s.threadName,
            s.attempts, Optional.ofNullable(s.error), s.detail, Optional.ofNullable(s.diagnosis),
            Optional.ofNullable(s.rollback),
            s.launched ? Optional.of(Duration.ofNanos(s.scheduledNanos - t0)) : Optional.empty()));
      }
      return new StartupReport(outcome, plan.environment(), startedAt, Duration.ofNanos(System.nanoTime() - t0),
          plan.parallelism(), plan.isSequential(), steps, plan.bypasses(), failedStep, rootCause, warnings,
          plan.steps().stream().collect(Collectors.toMap(StartupStep::name, StartupStep::dependencies)),
          plan.steps().stream().collect(Collectors.toMap(StartupStep::name, StartupStep::optionalDependencies)));
    } finally {
      role.unlock();
    }
  }

  // ---------------------------------------------------------------- phases and decisions

  /** Resolves the steps of the current phase that wait for nothing in it, and launches what it can. */
  private void startPhase() {
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
    launchReady();
    observer.decided(running, ready.size(), failing);
  }

  /** Sleeps until the current phase ends, handling deadlines; returns whether the coordinator was interrupted. */
  private boolean awaitPhase() {
    boolean interrupted = false;
    while (true) {
      long sleep;
      List<Slot> begun;
      role.lock();
      try {
        drainEvents();
        fireDueTimers();
        launchReady();
        observer.decided(running, ready.size(), failing);
        begun = takeBegun();
        if (begun.isEmpty() && running == 0 && (failing || ready.isEmpty())) {
          ready.clear();
          break;
        }
        Timer next = timers.peek();
        sleep = next == null ? Long.MAX_VALUE : next.at() - System.nanoTime();
      } finally {
        role.unlock();
      }
      dispatchBegun(begun);
      emitPending();
      if (events.isEmpty() && sleep > 0) {
        if (sleep == Long.MAX_VALUE) {
          LockSupport.park(this);
        } else {
          LockSupport.parkNanos(this, sleep);
        }
      }
      if (Thread.interrupted()) {
        interrupted = true;
        events.add(new Cancel("the thread running startup was interrupted"));
      }
    }
    emitPending();
    return interrupted;
  }

  private void launchReady() {
    while (!failing && running < plan.parallelism() && !ready.isEmpty()) {
      Slot s = ready.poll();
      if (begin(s)) {
        toDispatch.add(s);
        awaitingThread.incrementAndGet();
      }
    }
  }

  /** Called right after releasing the role: submits what {@link #launchReady()} began. */
  private void dispatchBegun(List<Slot> begun) {
    for (Slot s : begun) {
      try {
        if (!executor.ownPool()) {
          observer.handingOver(s.p.index());
        }
        executor.execute(new StepTask(s));
      } catch (RejectedExecutionException e) {
        awaitingThread.decrementAndGet();
        events.add(new Rejected(s, e));
        wakeCoordinator();
      }
    }
  }

  /** Takes the steps begun under the role; call while holding it. */
  private List<Slot> takeBegun() {
    if (toDispatch.isEmpty()) {
      return List.of();
    }
    List<Slot> begun = new ArrayList<>(toDispatch);
    toDispatch.clear();
    return begun;
  }

  /** The first step startable now, begun, for the calling step thread to run next; null when none. */
  private Slot takeContinuation() {
    if (awaitingThread.get() > 0) {
      return null;
    }
    while (!failing && running < plan.parallelism() && !ready.isEmpty()) {
      Slot s = ready.poll();
      if (begin(s)) {
        return s;
      }
    }
    return null;
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

  /** Starts the step's clock; false when its budget is already gone (it is then TIMED_OUT without running). */
  private boolean begin(Slot s) {
    long now = System.nanoTime();
    long stepDeadline = now + s.p.timeoutNanos();
    long phaseDeadline = phaseStart + plan.phaseTimeoutNanos(phase);
    long outer = phaseDeadline;
    Slot.Bound outerBound = Slot.Bound.PHASE;
    if (totalDeadline - outer < 0) {
      outer = totalDeadline;
      outerBound = Slot.Bound.TOTAL;
    }
    long deadline = stepDeadline;
    Slot.Bound bound = Slot.Bound.STEP;
    if (outer - deadline < 0) {
      deadline = outer;
      bound = outerBound;
    }
    s.bound = bound;
    s.outerBound = outerBound;
    s.outerDeadline = outer;
    s.launched = true;
    s.scheduledNanos = now;
    s.deadline = deadline;
    if (deadline - now <= 0) {
      s.endNanos = now;
      finish(s, StepStatus.TIMED_OUT, StepError.of(new StepTimeoutException("step '" + s.p.name()
          + "' could not start: " + describeBound(s) + " was used up before its turn")), s.detail, null);
      return false;
    }
    running++;
    s.counted = true;
    observer.begun(s.p.index(), running);
    addTimer(new Timer(deadline, s.p.index(), Slot.Stage.RUNNING));
    fire(s, StepEvent.Kind.STARTING, null);
    return true;
  }

  private void addTimer(Timer timer) {
    timers.add(timer);
    if (timers.peek() == timer) {
      wakeCoordinator(); // it sleeps until the earliest deadline, and this one is earlier
    }
  }

  /** The budget that set a step's deadline, for its timeout message (built only when it overruns). */
  private String describeBound(Slot s) {
    return switch (s.bound) {
      case STEP -> "its step timeout " + Duration.ofNanos(s.p.timeoutNanos());
      case READINESS -> "its readiness timeout " + Duration.ofNanos(s.p.readinessTimeoutNanos());
      case PHASE -> "what was left of phase '" + plan.phases().get(s.p.phase()) + "' (timeout "
          + Duration.ofNanos(plan.phaseTimeoutNanos(s.p.phase())) + ")";
      case TOTAL -> "what was left of the total startup budget " + plan.totalTimeout();
    };
  }

  /** The timeout, naming what the step was blocked on (from its diagnosis) so the one line is actionable. */
  private StepError timeoutError(Slot s, HangDiagnosis diagnosis) {
    String blocker = diagnosis.blocker().isEmpty() ? "" : "; " + diagnosis.blocker();
    if (s.bound == Slot.Bound.READINESS) {
      return StepError.of(new StepTimeoutException("readiness check of step '" + s.p.name() + "' did not pass within "
          + describeBound(s) + ": check " + s.readinessChecks + " was still running and was interrupted" + blocker));
    }
    return StepError.of(new StepTimeoutException("step '" + s.p.name() + "' did not finish within "
        + describeBound(s) + blocker));
  }

  private void handle(Object event) {
    if (event instanceof Done done) {
      completed(done.slot(), done.error());
    } else if (event instanceof Rejected rejected) {
      Slot s = rejected.slot();
      running--;
      s.counted = false;
      s.endNanos = System.nanoTime();
      finish(s, StepStatus.FAILED, StepError.of(rejected.error()), "the executor rejected the step", null);
    } else if (event instanceof Claimed claimed) {
      Slot s = claimed.slot();
      if (s.counted && s.stage == Slot.Stage.RUNNING) {
        addTimer(new Timer(s.deadline, s.p.index(), Slot.Stage.RUNNING));
      }
    } else if (event instanceof ReadinessBegan began) {
      Slot s = began.slot();
      if (s.counted && s.stage == Slot.Stage.RUNNING && began.deadline() - s.deadline < 0) {
        addTimer(new Timer(began.deadline(), s.p.index(), Slot.Stage.RUNNING, began.round()));
      }
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
    if (s.stage == Slot.Stage.ABANDONED) {
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
    if (s.stage == Slot.Stage.RUNNING) {
      if (error == null) {
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
    } else if (error == null || error == s.error.exception() || interruptedOnly(error)
        || s.abortNote != null && PoisonedClasses.in(error).isEmpty()) {
      // What it threw only reacts to being stopped (the interrupt, or its abort hook closing what it waited on):
      // the timeout says why, with that exception attached.
      finish(s, StepStatus.TIMED_OUT, attach(s.error, error), append(detail, "ended after being interrupted"), null);
    } else {
      // The step's own failure (e.g. a static initializer the interrupt made throw) stays the cause; the timeout that
      // led to it is attached, not put in its place.
      StepError own = attach(StepError.of(error), s.error.exception());
      if (rootCause == s.error) {
        rootCause = own;
      }
      finish(s, StepStatus.TIMED_OUT, own, append(detail, "interrupted: " + s.error.message()
          + "; ended after being interrupted"), null);
    }
  }

  /** Whether the step only reported the interrupt itself: the timeout says more. */
  private static boolean interruptedOnly(Throwable error) {
    return StepError.of(error).exception() instanceof InterruptedException;
  }

  /** The error, with {@code other} attached as suppressed (when there is one and it is not already the error). */
  private static StepError attach(StepError error, Throwable other) {
    if (other != null && other != error.exception()) {
      error.exception().addSuppressed(other);
    }
    return error;
  }

  /** Records a final status, tells listeners, and resolves same-phase dependants. */
  private void finish(Slot s, StepStatus status, StepError error, String detail, ArrayDeque<Slot> work) {
    s.status = status;
    observer.finished(s.p.index(), status);
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
    if (error != null) {
      warnPoisoned(s, PoisonedClasses.in(error.exception()), "failed");
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
      if (s.counted && s.stage == Slot.Stage.RUNNING) {
        s.cancelled = true;
        if (s.withdraw()) {
          // Never taken by a thread: nothing to interrupt, nothing to wait for.
          uncount(s);
          finish(s, StepStatus.CANCELLED, null, append(s.detail, reason + " before it began running"), null);
          continue;
        }
        s.detail = append(s.detail, reason);
        s.stage = Slot.Stage.INTERRUPTED;
        s.interrupt();
        addTimer(new Timer(now + graceNanos, s.p.index(), Slot.Stage.INTERRUPTED));
      }
    }
  }

  /** Warns loudly, once per class, that classes the step was initializing can no longer be initialized. */
  private void warnPoisoned(Slot s, List<String> classes, String how) {
    List<String> fresh = classes.stream().filter(poisonedClasses::add).toList();
    if (!fresh.isEmpty()) {
      String warning = PoisonedClasses.warning(s.p.name(), fresh, how);
      warnings.add(warning);
      LOG.error("POISONED CLASS: {}", warning);
    }
  }

  /** The step no longer holds one of the parallelism's places. */
  private void uncount(Slot s) {
    running--;
    s.counted = false;
    s.endNanos = System.nanoTime();
  }

  // ---------------------------------------------------------------- deadlines

  private void fireDueTimers() {
    long now = System.nanoTime();
    List<Slot> overrun = new ArrayList<>();
    while (!timers.isEmpty() && timers.peek().at() - now <= 0) {
      Timer t = timers.poll();
      Slot s = slots[t.step()];
      if (!s.counted || s.stage != t.stage() || t.round() != 0 && t.round() != s.readinessRound) {
        continue;
      }
      if (t.stage() == Slot.Stage.RUNNING) {
        if (t.round() != 0) {
          s.bound = Slot.Bound.READINESS;
        } else {
          // The step timeout counts from when a thread took the step; one still waiting for a thread (a busy
          // executor, a thread the OS has not scheduled yet) is bounded by its phase and the whole startup.
          long due = s.dueAt();
          if (due - now > 0) {
            timers.add(new Timer(due, s.p.index(), Slot.Stage.RUNNING));
            continue;
          }
          s.bound = s.claimed() && s.deadline - s.outerDeadline < 0 ? Slot.Bound.STEP : s.outerBound;
        }
        if (s.withdraw()) {
          neverBegan(s);
        } else if (!overrun.contains(s)) {
          overrun.add(s);
        }
      } else if (t.stage() == Slot.Stage.INTERRUPTED && s.p.step().abortHook().isPresent()) {
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
    Set<String> deadlocksLogged = new HashSet<>();
    for (Slot s : overrun) {
      s.diagnosis = HangInspector.diagnose(s.thread, s.threadName, analysis);
      s.error = timeoutError(s, s.diagnosis);
      // A deadlock between several overrunning steps is logged once, with the first of them.
      List<String> newDeadlocks = s.diagnosis.deadlocks().stream().filter(deadlocksLogged::add).toList();
      LOG.error("Step '{}' overran: {}; interrupting it. Its thread:\n{}{}", s.p.name(), s.error.message(),
          s.diagnosis.stack(), newDeadlocks.isEmpty() ? "" : "\n" + String.join("\n", newDeadlocks));
      s.stage = Slot.Stage.INTERRUPTED;
      s.interrupt();
      addTimer(new Timer(System.nanoTime() + graceNanos, s.p.index(), Slot.Stage.INTERRUPTED));
      if (firstRequired == null && s.p.required()) {
        firstRequired = s;
      }
    }
    if (firstRequired != null && !failing) {
      fail(firstRequired, firstRequired.error);
    }
  }

  /** The step's deadline passed before any thread of the executor took it: it times out without having run. */
  private void neverBegan(Slot s) {
    uncount(s);
    String why = "step '" + s.p.name() + "' never began running: no thread of the executor took it within "
        + describeBound(s) + " (every thread was busy)";
    LOG.error("{}", why);
    finish(s, StepStatus.TIMED_OUT, StepError.of(new StepTimeoutException(why)), s.detail, null);
  }

  private void runAbortHook(Slot s) {
    s.stage = Slot.Stage.ABORTED;
    AbortHook hook = s.p.step().abortHook().orElseThrow();
    LOG.warn("Step '{}' ignored the interrupt for {}; running its abort hook", s.p.name(), plan.cancelGrace());
    Thread t = new Thread(() -> {
      // Noted before the call: the step may end (and be reported) as soon as the hook unblocks it.
      s.abortNote = "abort hook called";
      try {
        hook.abort();
      } catch (Exception | LinkageError e) {
        s.abortNote = "abort hook threw " + e;
        LOG.warn("Abort hook of step '{}' threw", s.p.name(), e);
      }
    }, plan.threadNamePrefix() + "-abort:" + s.p.name());
    t.setDaemon(true);
    t.start();
    addTimer(new Timer(System.nanoTime() + graceNanos, s.p.index(), Slot.Stage.ABORTED));
  }

  private void abandon(Slot s) {
    s.stage = Slot.Stage.ABANDONED;
    executor.replaceAbandonedThread();
    uncount(s);
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
    warnPoisoned(s, s.diagnosis.initializingClasses(), "was abandoned while it ran");
    // A cancelled bystander has no error of its own: its detail already says why it was cancelled, once.
    StepError error = s.cancelled ? null : s.error;
    finish(s, StepStatus.ABANDONED, error, detail, null);
  }

  // ---------------------------------------------------------------- the step thread

  /** What a thread of the executor runs: a begun step, and the steps its completion lets this thread run next. */
  private final class StepTask implements Runnable {
    final Slot slot;

    StepTask(Slot slot) {
      this.slot = slot;
    }

    @Override
    public void run() {
      runChain(slot);
    }
  }

  /** Runs a step, then, as long as its completion makes another startable, that one too, on this thread. */
  private void runChain(Slot first) {
    awaitingThread.decrementAndGet();
    for (Slot s = first; s != null; ) {
      Thread me = Thread.currentThread();
      if (!s.claim(me)) {
        // Timed out or cancelled while it waited for a thread (and reported so): it must not run now.
        return;
      }
      if (s.claimedAfterItsTimer()) {
        // Rare: it waited for a thread past its first timer, which now waits for the outer deadline.
        events.add(new Claimed(s));
        wakeCoordinator();
      }
      String original = me.getName();
      if (executor.renamesThreads()) {
        me.setName(original + ":" + s.p.name());
      }
      s.threadName = me.getName();
      Throwable error;
      s.ranFrom = System.nanoTime();
      try {
        error = stepAttempts.attempts(s);
      } finally {
        s.ranTo = System.nanoTime();
        s.unregister();
        // An interrupt meant for this step must not reach the next task of this thread.
        Thread.interrupted();
        if (executor.renamesThreads()) {
          me.setName(original);
        }
      }
      s = completeAndTakeNext(s, error);
    }
  }

  /** Posts a completion and, when the role is free, makes the decisions it allows; returns a step to run next. */
  private Slot completeAndTakeNext(Slot s, Throwable error) {
    events.add(new Done(s, error));
    Slot next = null;
    do {
      if (!tryAcquireRole()) {
        // Never wait long for the role (its holder may be descheduled on a busy machine): the coordinator handles it.
        wakeCoordinator();
        break;
      }
      List<Slot> begun;
      try {
        drainEvents();
        if (next == null) {
          next = takeContinuation();
        }
        launchReady();
        observer.decided(running, ready.size(), failing);
        begun = takeBegun();
        if (running == 0) {
          wakeCoordinator();
        }
      } finally {
        role.unlock();
      }
      dispatchBegun(begun);
      emitPending();
    } while (!events.isEmpty());
    return next;
  }

  /**
   * Takes the role if it is free within a few microseconds: decisions hold it for about a microsecond, and waking the
   * coordinator instead costs a thread wake-up (tens of microseconds of CPU on a busy machine).
   */
  private boolean tryAcquireRole() {
    for (int spin = 0; spin < ROLE_SPINS; spin++) {
      if (role.tryLock()) {
        return true;
      }
      Thread.onSpinWait();
    }
    return false;
  }

  // ---------------------------------------------------------------- executor, stops, listeners

  private void openExecutor() {
    executor = RunExecutor.open(plan, observer, task -> ((StepTask) task).slot.p.index());
  }

  private void closeExecutor() {
    if (executor != null) {
      executor.close();
    }
  }

  private void rollback() {
    stopAll(t0, true);
  }

  /**
   * Stops every step that is up, in reverse dependency order; for {@link Startup#close()}, or for rollback, where
   * each result is also kept in the step's report.
   */
  List<StopReport> stopAll(long origin, boolean rollback) {
    List<StopReport> stops = new ArrayList<>();
    int[] order = plan.stopOrder();
    for (int k = order.length - 1; k >= 0; k--) {
      Slot s = slots[order[k]];
      if (s.status == StepStatus.UP) {
        StopReport stop = stopStep(s, origin);
        stops.add(stop);
        if (rollback) {
          s.rollback = stop;
        }
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
    if (listeners.isEmpty()) {
      return;
    }
    listeners.queue(new StepEvent(s.p.name(), kind, Duration.ofNanos(System.nanoTime() - t0), s.threadName,
        s.attempts, Optional.ofNullable(error), s.detail));
  }

  private void emitPending() {
    listeners.deliverPending();
  }

  private void emitAllPending() {
    listeners.deliverAll();
  }

  private void emit(StepEvent event) {
    listeners.deliver(event);
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
