package dev.steadfast.startup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One run of a plan: who makes the decisions, on which thread, and when.
 *
 * <p>Every decision is made while holding {@link #role}, by whichever thread holds it, so decisions never race and
 * follow one order; the decisions themselves are {@link RunDecisions}'. A step thread that finishes posts its
 * completion and, when the role is free, makes the resulting decisions itself and runs the first step they make
 * startable on the same thread (no hand-off on the critical path); its attempts are {@link StepAttempts}'. A thread
 * that finds the role taken never waits for it: it wakes the coordinator, which handles the completion. The
 * coordinator (the thread that called {@code start()}) parks until woken or until the next deadline
 * ({@link RunDeadlines}), and handles deadlines ({@link HangEscalation}): nothing polls. Listeners are called outside
 * the role, in decision order, never concurrently ({@link ListenerQueue}). When the run has ended the report is
 * assembled by {@link RunReportAssembler}.
 *
 * <pre>{@code
 * StartupRun run = new StartupRun(plan);
 * StartupReport report = run.run();                     // returns when every step has a final status
 * List<StopReport> stops = run.stopAll(System.nanoTime(), false);
 * }</pre>
 */
final class StartupRun {
  /** Attempts to take a busy role before handing a completion to the coordinator (see tryAcquireRole). */
  private static final int ROLE_SPINS = 256;

  private final StartupPlan plan;
  private final Slot[] slots;
  private final ReentrantLock role = new ReentrantLock();
  /** The thread running {@link #run()}; woken with {@link LockSupport#unpark} (its permit makes no wake-up lost). */
  private volatile Thread coordinator;
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final long graceNanos;
  /** Step events, delivered outside the role in decision order. */
  private final ListenerQueue listeners;
  private final RunDeadlines deadlines;
  private final RunDecisions decisions;
  private final HangEscalation escalation;
  private final StepAttempts stepAttempts;
  private RunExecutor executor;
  private long t0;

  StartupRun(StartupPlan plan) {
    this.plan = plan;
    List<PlannedStep> planned = plan.planned();
    this.slots = new Slot[planned.size()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot(planned.get(i), plan.environment());
    }
    this.graceNanos = plan.cancelGrace().toNanos();
    this.listeners = new ListenerQueue(plan.listeners(), warnings);
    this.deadlines = new RunDeadlines(plan, this::wakeCoordinator);
    this.decisions = new RunDecisions(plan, slots, deadlines, listeners, warnings);
    this.escalation = new HangEscalation(plan, slots, deadlines, decisions,
        () -> executor.replaceAbandonedThread(), warnings);
    this.stepAttempts = new StepAttempts((slot, round, deadline) -> {
      decisions.postReadinessBegan(slot, round, deadline);
      wakeCoordinator();
    });
  }

  /** Cancels the startup; safe from any thread. */
  void cancel(String reason) {
    decisions.postCancel(reason);
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
    decisions.startRun(t0);
    boolean interrupted = false;
    openExecutor();
    try {
      for (int phase = 0; ; phase++) {
        boolean next;
        List<Slot> begun;
        role.lock();
        try {
          next = decisions.startPhase(phase);
          begun = decisions.takeBegun();
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
      decisions.markNotStarted();
      lateSteps = decisions.lateSteps();
      failed = decisions.failing();
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
      return RunReportAssembler.assemble(plan, slots, decisions, t0, startedAt, warnings);
    } finally {
      role.unlock();
    }
  }

  // ---------------------------------------------------------------- the coordinator

  /** Sleeps until the current phase ends, handling deadlines; returns whether the coordinator was interrupted. */
  private boolean awaitPhase() {
    boolean interrupted = false;
    while (true) {
      long sleep;
      List<Slot> begun;
      role.lock();
      try {
        decisions.drainEvents();
        escalation.fireDueTimers();
        decisions.launchReady();
        decisions.decided();
        begun = decisions.takeBegun();
        if (begun.isEmpty() && decisions.endPhaseIfDone()) {
          break;
        }
        sleep = deadlines.nanosToNext();
      } finally {
        role.unlock();
      }
      dispatchBegun(begun);
      emitPending();
      if (!decisions.hasEvents() && sleep > 0) {
        if (sleep == Long.MAX_VALUE) {
          LockSupport.park(this);
        } else {
          LockSupport.parkNanos(this, sleep);
        }
      }
      if (Thread.interrupted()) {
        interrupted = true;
        decisions.postCancel("the thread running startup was interrupted");
      }
    }
    emitPending();
    return interrupted;
  }

  /** Called right after releasing the role: submits what the decisions began. */
  private void dispatchBegun(List<Slot> begun) {
    for (Slot s : begun) {
      try {
        if (!executor.ownPool()) {
          plan.observer().handingOver(s.p.index());
        }
        executor.execute(new StepTask(s));
      } catch (RejectedExecutionException e) {
        decisions.handOverEnded();
        decisions.postRejected(s, e);
        wakeCoordinator();
      }
    }
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
    decisions.handOverEnded();
    for (Slot s = first; s != null; ) {
      Thread me = Thread.currentThread();
      if (!s.claim(me)) {
        // Timed out or cancelled while it waited for a thread (and reported so): it must not run now.
        return;
      }
      if (s.claimedAfterItsTimer()) {
        // Rare: it waited for a thread past its first timer, which now waits for the outer deadline.
        decisions.postClaimed(s);
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
    decisions.postDone(s, error);
    Slot next = null;
    do {
      if (!tryAcquireRole()) {
        // Never wait long for the role (its holder may be descheduled on a busy machine): the coordinator handles it.
        wakeCoordinator();
        break;
      }
      List<Slot> begun;
      try {
        decisions.drainEvents();
        if (next == null) {
          next = decisions.takeContinuation();
        }
        decisions.launchReady();
        decisions.decided();
        begun = decisions.takeBegun();
        if (decisions.running() == 0) {
          wakeCoordinator();
        }
      } finally {
        role.unlock();
      }
      dispatchBegun(begun);
      emitPending();
    } while (decisions.hasEvents());
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
    executor = RunExecutor.open(plan, plan.observer(), task -> ((StepTask) task).slot.p.index());
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
    listeners.deliver(new StepEvent(s.p.name(), kind, Duration.ofNanos(System.nanoTime() - origin), report.thread(),
        s.attempts, report.error(), report.status().name()));
    return report;
  }

  private void emitPending() {
    listeners.deliverPending();
  }

  private void emitAllPending() {
    listeners.deliverAll();
  }
}
