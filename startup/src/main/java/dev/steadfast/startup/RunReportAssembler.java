package dev.steadfast.startup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Builds the {@link StartupReport} of a run that has ended, from its slots and the decision core's verdict: the
 * outcome (FAILED when startup failed, DEGRADED when a step did not come up without failing it, else READY) and one
 * {@link StepReport} per step, in declaration order, with when each really ran. Called under the decision role.
 *
 * <pre>{@code
 * StartupReport report = RunReportAssembler.assemble(plan, slots, decisions, t0, startedAt, warnings);
 * }</pre>
 */
final class RunReportAssembler {
  private RunReportAssembler() {}

  /**
   * @param plan the plan that was run
   * @param slots one per planned step, in declaration order, each with its final status
   * @param decisions the run's decision core (whether startup failed, which step failed it, the root cause)
   * @param t0 {@link System#nanoTime()} when the run began
   * @param startedAt the instant the run began
   * @param warnings the run's warnings
   * @return the report
   */
  static StartupReport assemble(StartupPlan plan, Slot[] slots, RunDecisions decisions, long t0, Instant startedAt,
      List<String> warnings) {
    boolean failing = decisions.failing();
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
        plan.parallelism(), plan.isSequential(), steps, plan.bypasses(), decisions.failedStep(),
        decisions.rootCause(), warnings,
        plan.steps().stream().collect(Collectors.toMap(StartupStep::name, StartupStep::dependencies)),
        plan.steps().stream().collect(Collectors.toMap(StartupStep::name, StartupStep::optionalDependencies)));
  }
}
