package dev.steadfast.startup;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * The budgets of one run: when a begun step is due (the smallest of its step timeout, what is left of its phase and
 * what is left of the whole startup), which of them set it (named in its timeout message), and the timers the
 * coordinator sleeps until. Used only by the thread holding the run's decision role.
 *
 * <pre>{@code
 * RunDeadlines deadlines = new RunDeadlines(plan, this::wakeCoordinator);
 * deadlines.startRun(System.nanoTime());
 * deadlines.startPhase(System.nanoTime());
 * deadlines.assign(slot, phase, now);                              // slot.deadline, slot.bound
 * deadlines.add(new RunDeadlines.Timer(slot.deadline, slot.p.index(), Slot.Stage.RUNNING));
 * }</pre>
 */
final class RunDeadlines {
  /** A deadline; {@code round} tells a readiness check's deadline from the check of an earlier attempt. */
  record Timer(long at, int step, Slot.Stage stage, int round) implements Comparable<Timer> {
    Timer(long at, int step, Slot.Stage stage) {
      this(at, step, stage, 0);
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(at - o.at, 0);
      return c != 0 ? c : Integer.compare(step, o.step);
    }
  }

  private final StartupPlan plan;
  /** Wakes the coordinator, which sleeps until the earliest timer. */
  private final Runnable wakeCoordinator;
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long totalDeadline;
  private long phaseStart;

  RunDeadlines(StartupPlan plan, Runnable wakeCoordinator) {
    this.plan = plan;
    this.wakeCoordinator = wakeCoordinator;
  }

  /** The whole startup's budget counts from {@code t0}. */
  void startRun(long t0) {
    totalDeadline = t0 + Durations.toNanosSaturated(plan.totalTimeout());
  }

  /** The current phase's budget counts from {@code now}. */
  void startPhase(long now) {
    phaseStart = now;
  }

  /** Sets a step begun at {@code now} in phase {@code phase}: its deadline, and the budgets that bound it. */
  void assign(Slot s, int phase, long now) {
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
    s.deadline = deadline;
  }

  /** The budget that set a step's deadline, for its timeout message (built only when it overruns). */
  String describeBound(Slot s) {
    return switch (s.bound) {
      case STEP -> "its step timeout " + Duration.ofNanos(s.p.timeoutNanos());
      case READINESS -> "its readiness timeout " + Duration.ofNanos(s.p.readinessTimeoutNanos());
      case PHASE -> "what was left of phase '" + plan.phases().get(s.p.phase()) + "' (timeout "
          + Duration.ofNanos(plan.phaseTimeoutNanos(s.p.phase())) + ")";
      case TOTAL -> "what was left of the total startup budget " + plan.totalTimeout();
    };
  }

  void add(Timer timer) {
    timers.add(timer);
    if (timers.peek() == timer) {
      wakeCoordinator.run(); // it sleeps until the earliest deadline, and this one is earlier
    }
  }

  /** The earliest timer due at {@code now}, removed; null when none is due. */
  Timer pollDue(long now) {
    return !timers.isEmpty() && timers.peek().at() - now <= 0 ? timers.poll() : null;
  }

  /** Nanoseconds until the earliest timer (zero or less: one is due); {@link Long#MAX_VALUE} when there is none. */
  long nanosToNext() {
    Timer next = timers.peek();
    return next == null ? Long.MAX_VALUE : next.at() - System.nanoTime();
  }
}
