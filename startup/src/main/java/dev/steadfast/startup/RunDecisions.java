package dev.steadfast.startup;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision core of one run: which step is skipped, which starts next (declaration order, within the parallelism),
 * what final status a step gets from its outcome, when startup fails or degrades, and which running steps a failure
 * cancels. It holds the run's scheduling state and is used only by the thread holding the run's decision role
 * ({@link StartupRun}); other threads reach it by posting events ({@code post*}), which the next holder of the role
 * handles ({@link #drainEvents()}). It never waits and never runs a step: steps it begins are taken with
 * {@link #takeBegun()} and handed to threads after the role is released.
 *
 * <pre>{@code
 * decisions.startRun(t0);
 * if (decisions.startPhase(0)) {            // under the role
 *   List<Slot> begun = decisions.takeBegun();
 * }
 * decisions.postDone(slot, null);           // from a step thread, then take the role and drainEvents()
 * }</pre>
 */
final class RunDecisions {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

  private final StartupPlan plan;
  private final Slot[] slots;
  private final List<List<Slot>> phaseMembers = new ArrayList<>();
  private final RunDeadlines deadlines;
  private final RunObserver observer;
  /** Step events, delivered outside the role in decision order. */
  private final ListenerQueue listeners;
  private final List<String> warnings;
  /** Completions and cancellations, handled by whichever thread next holds the role. */
  private final ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
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
  /** Classes already warned about as poisoned, so each is named once per report. */
  private final Set<String> poisonedClasses = new HashSet<>();
  private final long graceNanos;
  private long t0;
  private int phase;
  private int running;
  private boolean failing;
  private String failedStep;
  private StepError rootCause;

  private record Done(Slot slot, Throwable error) {}

  private record Cancel(String reason) {}

  private record Rejected(Slot slot, RejectedExecutionException error) {}

  /** A thread took a step after its first timer had fired: its own deadline needs a timer. */
  private record Claimed(Slot slot) {}

  /** A step's readiness check began: it runs under its own deadline (round counts the checks of the step). */
  private record ReadinessBegan(Slot slot, int round, long deadline) {}

  /**
   * @param plan the plan being run
   * @param slots one per planned step, in declaration order
   * @param deadlines the run's budgets and timers
   * @param listeners where step events are queued
   * @param warnings the report's warnings (thread-safe)
   */
  RunDecisions(StartupPlan plan, Slot[] slots, RunDeadlines deadlines, ListenerQueue listeners,
      List<String> warnings) {
    this.plan = plan;
    this.slots = slots;
    this.deadlines = deadlines;
    this.listeners = listeners;
    this.warnings = warnings;
    this.observer = plan.observer();
    this.graceNanos = plan.cancelGrace().toNanos();
    for (int ph = 0; ph < plan.phases().size(); ph++) {
      phaseMembers.add(new ArrayList<>());
    }
    for (Slot s : slots) {
      phaseMembers.get(s.p.phase()).add(s);
    }
  }

  // ---------------------------------------------------------------- events from other threads (any thread)

  void postDone(Slot s, Throwable error) {
    events.add(new Done(s, error));
  }

  void postCancel(String reason) {
    events.add(new Cancel(reason));
  }

  void postRejected(Slot s, RejectedExecutionException error) {
    events.add(new Rejected(s, error));
  }

  void postClaimed(Slot s) {
    events.add(new Claimed(s));
  }

  void postReadinessBegan(Slot s, int round, long deadline) {
    events.add(new ReadinessBegan(s, round, deadline));
  }

  /** Whether events wait to be handled. */
  boolean hasEvents() {
    return !events.isEmpty();
  }

  /** A step handed over was taken by a thread, or rejected by the executor: it no longer waits for a thread. */
  void handOverEnded() {
    awaitingThread.decrementAndGet();
  }

  // ---------------------------------------------------------------- phases and decisions (under the role)

  void startRun(long t0) {
    this.t0 = t0;
    deadlines.startRun(t0);
  }

  /** Starts phase {@code next} and launches what it can; false when there is no such phase or startup is failing. */
  boolean startPhase(int next) {
    phase = next;
    if (phase >= phaseMembers.size() || failing) {
      return false;
    }
    List<Slot> members = phaseMembers.get(phase);
    deadlines.startPhase(System.nanoTime());
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
    decided();
    return true;
  }

  /** Whether the current phase is over: nothing runs and nothing more can start. Drops what can no longer start. */
  boolean endPhaseIfDone() {
    if (running == 0 && (failing || ready.isEmpty())) {
      ready.clear();
      return true;
    }
    return false;
  }

  /** Tells the observer that a round of decisions is over. */
  void decided() {
    observer.decided(running, ready.size(), failing);
  }

  int running() {
    return running;
  }

  boolean failing() {
    return failing;
  }

  String failedStep() {
    return failedStep;
  }

  StepError rootCause() {
    return rootCause;
  }

  /** Steps that came up after being interrupted or abandoned: they must be stopped. */
  List<Slot> lateSteps() {
    return new ArrayList<>(late);
  }

  /** At the end of the run: every step without a status never started, and says why. */
  void markNotStarted() {
    for (Slot s : slots) {
      if (s.status == null) {
        s.status = StepStatus.NOT_STARTED;
        s.detail = failedStep != null ? "not started: required step '" + failedStep + "' failed"
            : "not started: " + (rootCause != null ? rootCause.rootCauseMessage()
                : "startup ended before its turn");
      }
    }
  }

  /** Begins what it can of the steps startable now (handed to threads after the role is released). */
  void launchReady() {
    while (!failing && running < plan.parallelism() && !ready.isEmpty()) {
      Slot s = ready.poll();
      if (begin(s)) {
        toDispatch.add(s);
        awaitingThread.incrementAndGet();
      }
    }
  }

  /** Takes the steps begun under the role, to hand to threads once it is released. */
  List<Slot> takeBegun() {
    if (toDispatch.isEmpty()) {
      return List.of();
    }
    List<Slot> begun = new ArrayList<>(toDispatch);
    toDispatch.clear();
    return begun;
  }

  /** The first step startable now, begun, for the calling step thread to run next; null when none. */
  Slot takeContinuation() {
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

  void drainEvents() {
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
    deadlines.assign(s, phase, now);
    s.launched = true;
    s.scheduledNanos = now;
    if (s.deadline - now <= 0) {
      s.endNanos = now;
      finish(s, StepStatus.TIMED_OUT, StepError.of(new StepTimeoutException("step '" + s.p.name()
          + "' could not start: " + deadlines.describeBound(s) + " was used up before its turn")), s.detail, null);
      return false;
    }
    running++;
    s.counted = true;
    observer.begun(s.p.index(), running);
    deadlines.add(new RunDeadlines.Timer(s.deadline, s.p.index(), Slot.Stage.RUNNING));
    fire(s, StepEvent.Kind.STARTING, null);
    return true;
  }

  private void handle(Object event) {
    if (event instanceof Done done) {
      completed(done.slot(), done.error());
    } else if (event instanceof Rejected rejected) {
      Slot s = rejected.slot();
      // A step withdrawn while it was being handed over (cancelled, or timed out as never begun) is decided already:
      // deciding it again would count it out twice, and the coordinator would wait for a step that is not running.
      if (s.counted) {
        uncount(s);
        finish(s, StepStatus.FAILED, StepError.of(rejected.error()), "the executor rejected the step", null);
      }
    } else if (event instanceof Claimed claimed) {
      Slot s = claimed.slot();
      if (s.counted && s.stage == Slot.Stage.RUNNING) {
        deadlines.add(new RunDeadlines.Timer(s.deadline, s.p.index(), Slot.Stage.RUNNING));
      }
    } else if (event instanceof ReadinessBegan began) {
      Slot s = began.slot();
      if (s.counted && s.stage == Slot.Stage.RUNNING && began.deadline() - s.deadline < 0) {
        deadlines.add(new RunDeadlines.Timer(began.deadline(), s.p.index(), Slot.Stage.RUNNING, began.round()));
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
    uncount(s);
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

  /**
   * Records a final status, tells listeners, and resolves same-phase dependants: into {@code work} when given (the
   * caller is evaluating), else evaluated here.
   */
  void finish(Slot s, StepStatus status, StepError error, String detail, ArrayDeque<Slot> work) {
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

  /** A required step did not come up: startup fails, with {@code cause} as its root cause. */
  void fail(Slot s, StepError cause) {
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
        deadlines.add(new RunDeadlines.Timer(now + graceNanos, s.p.index(), Slot.Stage.INTERRUPTED));
      }
    }
  }

  /** Warns loudly, once per class, that classes the step was initializing can no longer be initialized. */
  void warnPoisoned(Slot s, List<String> classes, String how) {
    List<String> fresh = classes.stream().filter(poisonedClasses::add).toList();
    if (!fresh.isEmpty()) {
      String warning = PoisonedClasses.warning(s.p.name(), fresh, how);
      warnings.add(warning);
      LOG.error("POISONED CLASS: {}", warning);
    }
  }

  /** The step no longer holds one of the parallelism's places. */
  void uncount(Slot s) {
    running--;
    s.counted = false;
    s.endNanos = System.nanoTime();
  }

  private void fire(Slot s, StepEvent.Kind kind, StepError error) {
    if (listeners.isEmpty()) {
      return;
    }
    listeners.queue(new StepEvent(s.p.name(), kind, Duration.ofNanos(System.nanoTime() - t0), s.threadName,
        s.attempts, Optional.ofNullable(error), s.detail));
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

  /** A step's detail with {@code more} added (nothing added when it is empty). */
  static String append(String text, String more) {
    if (more == null || more.isEmpty()) {
      return text;
    }
    return text.isEmpty() ? more : text + "; " + more;
  }
}
