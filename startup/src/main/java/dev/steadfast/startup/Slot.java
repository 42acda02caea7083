package dev.steadfast.startup;

import java.time.Duration;

/**
 * Runtime state of one step in one run: what the decision core knows of it (status, stage, deadlines, error) and what
 * its step thread writes (thread, attempts, when it really ran), with the interrupt handshake between the two. Fields
 * without a comment belong to the thread holding the run's decision role.
 *
 * <pre>{@code
 * Slot s = new Slot(planned, Environment.PRODUCTION);
 * if (s.claim(Thread.currentThread())) { ... run the step ... s.unregister(); }
 * }</pre>
 */
final class Slot implements StepContext {
  /** Where a begun step is on its way to a final status; each stage has its own timer. */
  enum Stage {
    /** Handed to a thread or running, inside its deadline. */
    RUNNING,
    /** Overran (or was cancelled) and was interrupted; has the cancel grace to end. */
    INTERRUPTED,
    /** Ignored the interrupt; its abort hook ran; has the cancel grace again. */
    ABORTED,
    /** Ignored everything; its thread is left running. */
    ABANDONED
  }

  /** The budget that set a step's deadline, named in its timeout message. */
  enum Bound { STEP, PHASE, TOTAL, READINESS }

  final PlannedStep p;
  final Environment environment;
  StepStatus status;
  boolean evaluated;
  boolean launched;
  boolean counted;
  int pendingDeps;
  Stage stage = Stage.RUNNING;
  Bound bound = Bound.STEP;
  boolean cancelled;
  /** When the step was begun and handed to a thread (its wait for a thread counts from here). */
  long scheduledNanos = -1;
  /** What bounds the step besides its own timeout: what is left of its phase or of the whole startup. */
  Bound outerBound = Bound.PHASE;
  /** When its final status was decided. */
  long endNanos = -1;
  String detail = "";
  StepError error;
  HangDiagnosis diagnosis;
  StopReport rollback;
  /**
   * The step's deadline: until a thread takes it, its step timeout from when it was begun (the coordinator then
   * checks again, see {@link #dueAt()}); from then on, its step timeout from when its thread took it. Both are
   * bounded by {@link #outerDeadline}. Written under this slot's lock by the step thread at {@link #claim}.
   */
  volatile long deadline;
  /** The phase's or the whole startup's deadline, whichever is first; written before the step is submitted. */
  volatile long outerDeadline;
  /** Written by the step thread. */
  volatile Thread thread;
  volatile String threadName = "";
  volatile int attempts;
  volatile String retryNote = "";
  volatile String abortNote;
  /** Written by the step thread: when its start action really began, and when its last attempt ended. */
  volatile long ranFrom = -1;
  volatile long ranTo = -1;
  /** Written by the step thread: the readiness check running now (0: none), for its own deadline. */
  volatile int readinessRound;
  volatile int readinessChecks;
  /** The step thread's own count of readiness checks begun (one per attempt that reached readiness). */
  int readinessRoundsUsed;
  /** Guarded by this: the interrupt handshake, so an interrupt never reaches the pool's next task. */
  private Thread runningThread;
  private boolean finished;
  private boolean interruptRequested;
  private boolean withdrawn;
  /** The coordinator's timer moved on to the outer deadline while no thread had the step. */
  private boolean timerAtOuterDeadline;
  /** Set by {@link #claim}, read by the same thread: the coordinator must be told of the step's own deadline. */
  private boolean claimedAfterTimer;

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

  /**
   * The step thread takes the step, and its step timeout starts (waiting for a thread is the executor's delay, not
   * the step's); false when it was decided (withdrawn) before any thread took it.
   */
  synchronized boolean claim(Thread t) {
    if (withdrawn) {
      return false;
    }
    long own = System.nanoTime() + p.timeoutNanos();
    deadline = own - outerDeadline < 0 ? own : outerDeadline;
    claimedAfterTimer = timerAtOuterDeadline;
    runningThread = t;
    thread = t;
    if (interruptRequested) {
      t.interrupt();
    }
    return true;
  }

  /**
   * When the step is due now: its deadline once a thread took it; until then the outer deadline (a step that has
   * not begun has not used any of its own time).
   */
  synchronized long dueAt() {
    if (runningThread != null || finished) {
      return deadline;
    }
    timerAtOuterDeadline = true;
    return outerDeadline;
  }

  /** Read by the thread that just claimed the step: whether the coordinator must be told of its own deadline. */
  boolean claimedAfterItsTimer() {
    return claimedAfterTimer;
  }

  /** Whether a thread has taken the step. */
  synchronized boolean claimed() {
    return runningThread != null || finished;
  }

  /** The decision core gives up on a step no thread has taken yet; true when it did (no thread ever will). */
  synchronized boolean withdraw() {
    if (runningThread != null || finished) {
      return false;
    }
    withdrawn = true;
    return true;
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
