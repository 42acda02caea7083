package dev.steadfast.server;

import dev.steadfast.startup.StartupOutcome;
import dev.steadfast.startup.StartupReport;
import dev.steadfast.startup.StartupState;
import dev.steadfast.startup.StepReport;
import dev.steadfast.startup.StepStatus;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of what the readiness and startup probes answer, computed from the startup state, the draining flag
 * and the runtime failures of required parts.
 *
 * @param state the startup state
 * @param draining whether shutdown has begun
 * @param report the startup report once startup finished
 * @param failures required parts that failed after startup, one sentence each
 */
record Health(StartupState state, boolean draining, Optional<StartupReport> report, List<String> failures) {

  static Health of(StartupState state, boolean draining, Optional<StartupReport> report, List<String> failures) {
    return new Health(state, draining, report, List.copyOf(failures));
  }

  /** Readiness status: READY, DEGRADED (both serve), or STARTING, DRAINING, FAILED, STOPPING, STOPPED. */
  String readiness() {
    if (draining) {
      return "DRAINING";
    }
    if (!failures.isEmpty()) {
      return "FAILED";
    }
    return state.name();
  }

  /** Whether the service takes traffic: 200 on {@code /health/ready}. */
  boolean isReady() {
    return !draining && failures.isEmpty() && state.isServing();
  }

  /** Whether startup finished and did not fail: 200 on {@code /health/startup}, and it stays so while draining. */
  boolean isStarted() {
    return report.map(r -> r.outcome() != StartupOutcome.FAILED).orElse(false);
  }

  /** Optional steps that did not come up, as "step: STATUS (error)". */
  List<String> degradedParts() {
    return report.map(r -> r.steps().stream()
        .filter(step -> step.status() != StepStatus.UP)
        .map(Health::describe)
        .toList()).orElse(List.of());
  }

  private static String describe(StepReport step) {
    return step.name() + ": " + step.status() + step.error().map(e -> " (" + e.rootCause() + ")").orElse("");
  }
}
