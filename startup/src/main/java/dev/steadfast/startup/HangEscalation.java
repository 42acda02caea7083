package dev.steadfast.startup;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a timer of the run fires, on the coordinator thread under the decision role: a step that overran
 * its deadline is diagnosed ({@link HangInspector}), given its timeout error naming what it was blocked on, and
 * interrupted; after the cancel grace its abort hook runs on a thread of its own; after another grace it is
 * ABANDONED. A step no thread took before its deadline times out as never begun. A required step that overran fails
 * startup ({@link RunDecisions#fail}).
 *
 * <pre>{@code
 * HangEscalation escalation = new HangEscalation(plan, slots, deadlines, decisions, executor::replaceAbandonedThread,
 *     warnings);
 * escalation.fireDueTimers();   // under the role, whenever the coordinator wakes up
 * }</pre>
 */
final class HangEscalation {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

  private final StartupPlan plan;
  private final Slot[] slots;
  private final RunDeadlines deadlines;
  private final RunDecisions decisions;
  /** Lets the executor replace the thread of an abandoned step, so the parallelism is kept. */
  private final Runnable replaceAbandonedThread;
  private final List<String> warnings;
  private final long graceNanos;

  /**
   * @param plan the plan being run
   * @param slots one per planned step, in declaration order
   * @param deadlines the run's timers
   * @param decisions the run's decision core
   * @param replaceAbandonedThread called when a step's thread is abandoned
   * @param warnings the report's warnings (thread-safe)
   */
  HangEscalation(StartupPlan plan, Slot[] slots, RunDeadlines deadlines, RunDecisions decisions,
      Runnable replaceAbandonedThread, List<String> warnings) {
    this.plan = plan;
    this.slots = slots;
    this.deadlines = deadlines;
    this.decisions = decisions;
    this.replaceAbandonedThread = replaceAbandonedThread;
    this.warnings = warnings;
    this.graceNanos = plan.cancelGrace().toNanos();
  }

  /** Handles every timer due now: overruns (diagnosed together, from one thread dump), abort hooks, abandonments. */
  void fireDueTimers() {
    long now = System.nanoTime();
    List<Slot> overrun = new ArrayList<>();
    for (RunDeadlines.Timer t = deadlines.pollDue(now); t != null; t = deadlines.pollDue(now)) {
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
            deadlines.add(new RunDeadlines.Timer(due, s.p.index(), Slot.Stage.RUNNING));
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
      deadlines.add(new RunDeadlines.Timer(System.nanoTime() + graceNanos, s.p.index(), Slot.Stage.INTERRUPTED));
      if (firstRequired == null && s.p.required()) {
        firstRequired = s;
      }
    }
    if (firstRequired != null && !decisions.failing()) {
      decisions.fail(firstRequired, firstRequired.error);
    }
  }

  /** The timeout, naming what the step was blocked on (from its diagnosis) so the one line is actionable. */
  private StepError timeoutError(Slot s, HangDiagnosis diagnosis) {
    String blocker = diagnosis.blocker().isEmpty() ? "" : "; " + diagnosis.blocker();
    if (s.bound == Slot.Bound.READINESS) {
      return StepError.of(new StepTimeoutException("readiness check of step '" + s.p.name() + "' did not pass within "
          + deadlines.describeBound(s) + ": check " + s.readinessChecks + " was still running and was interrupted"
          + blocker));
    }
    return StepError.of(new StepTimeoutException("step '" + s.p.name() + "' did not finish within "
        + deadlines.describeBound(s) + blocker));
  }

  /** The step's deadline passed before any thread of the executor took it: it times out without having run. */
  private void neverBegan(Slot s) {
    decisions.uncount(s);
    String why = "step '" + s.p.name() + "' never began running: no thread of the executor took it within "
        + deadlines.describeBound(s) + " (every thread was busy)";
    LOG.error("{}", why);
    decisions.finish(s, StepStatus.TIMED_OUT, StepError.of(new StepTimeoutException(why)), s.detail, null);
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
    deadlines.add(new RunDeadlines.Timer(System.nanoTime() + graceNanos, s.p.index(), Slot.Stage.ABORTED));
  }

  private void abandon(Slot s) {
    s.stage = Slot.Stage.ABANDONED;
    replaceAbandonedThread.run();
    decisions.uncount(s);
    if (s.diagnosis == null) {
      s.diagnosis = HangInspector.diagnose(s.thread, s.threadName, HangInspector.analyze(plan.hangDiagnostics()));
    }
    if (s.abortNote != null) {
      s.diagnosis = s.diagnosis.withNote(s.abortNote);
    }
    String detail = RunDecisions.append(s.detail, "thread '" + s.threadName + "' ignored the interrupt"
        + (s.p.step().abortHook().isPresent() ? " and the abort hook" : "") + " and was abandoned (daemon)");
    warnings.add("step '" + s.p.name() + "' was abandoned: its thread '" + s.threadName
        + "' is still running (it is a daemon and does not keep the JVM alive)");
    LOG.error("Step '{}' abandoned: thread '{}' is still running", s.p.name(), s.threadName);
    decisions.warnPoisoned(s, s.diagnosis.initializingClasses(), "was abandoned while it ran");
    // A cancelled bystander has no error of its own: its detail already says why it was cancelled, once.
    StepError error = s.cancelled ? null : s.error;
    decisions.finish(s, StepStatus.ABANDONED, error, detail, null);
  }
}
