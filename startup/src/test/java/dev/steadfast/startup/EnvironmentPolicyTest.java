package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStartupThreadLeft.class)
class EnvironmentPolicyTest {
  private static final EnvironmentPolicy DEVELOPMENT = EnvironmentPolicy.builder()
      .skip("payments", "no sandbox credentials on laptops")
      .makeOptional("search", "index is rebuilt nightly")
      .timeout("db", Duration.ofSeconds(60), "database runs in a local container")
      .build();

  private static StartupPlan plan(Environment environment, AtomicBoolean paymentsStarted) {
    return StartupPlan.builder().environment(environment)
        .policy(Environment.DEVELOPMENT, DEVELOPMENT)
        .step("db", s -> s.start(ctx -> { }))
        .step("payments", s -> s.start(ctx -> paymentsStarted.set(true)))
        // Waits for payments, so its failure cannot cancel payments before it ran (payments is skipped in DEVELOPMENT).
        .step("search", s -> s.dependsOnOptionally("payments").start(ctx -> {
          throw new ConnectException("search refused");
        }))
        .step("http", s -> s.dependsOn("db").dependsOnOptionally("payments", "search").start(ctx -> { }))
        .build();
  }

  @Test
  void skippedStep_doesNotRunAndIsListedAsBypass() {
    AtomicBoolean started = new AtomicBoolean();

    StartupReport report = plan(Environment.DEVELOPMENT, started).start().report();

    assertThat(started).isFalse();
    assertThat(report.step("payments").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(report.step("payments").detail())
        .isEqualTo("skipped by the DEVELOPMENT policy: no sandbox credentials on laptops");
    assertThat(report.bypasses()).extracting(Bypass::toString).containsExactly(
        "DEVELOPMENT: step 'db' timeout PT15S -> PT1M (database runs in a local container)",
        "DEVELOPMENT: step 'payments' skipped (no sandbox credentials on laptops)",
        "DEVELOPMENT: step 'search' made optional (index is rebuilt nightly)");
  }

  @Test
  void requiredStepMadeOptional_failureDegradesVisibly() {
    StartupReport report = plan(Environment.DEVELOPMENT, new AtomicBoolean()).start().report();

    assertThat(report.outcome()).isEqualTo(StartupOutcome.DEGRADED);
    assertThat(report.step("search").criticality()).isEqualTo(Criticality.OPTIONAL);
    assertThat(report.step("search").status()).isEqualTo(StepStatus.FAILED);
    assertThat(report.toString()).contains("made optional (index is rebuilt nightly)");
  }

  @Test
  void policyOfAnotherEnvironment_doesNotApply_requiredFailureStillFails() {
    AtomicBoolean started = new AtomicBoolean();

    StartupReport report = plan(Environment.PRODUCTION, started).start().report();

    assertThat(report.bypasses()).isEmpty();
    // 'payments' is not skipped: it runs ('search' waits for it, so its failure cannot cancel payments first).
    assertThat(report.step("payments").status()).isEqualTo(StepStatus.UP);
    assertThat(started).isTrue();
    assertThat(report.outcome()).isEqualTo(StartupOutcome.FAILED);
    assertThat(report.failedStep()).contains("search");
  }

  @Test
  void timeoutChangedByPolicy_isTheStepsDeadline() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.TEST)
        .policy(Environment.TEST, EnvironmentPolicy.builder()
            .timeout("db", Duration.ofMillis(200), "tests must fail fast").build())
        .step("db", s -> s.optional().start(Steps.hangInterruptibly()))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.step("db").error()).get().extracting(StepError::message)
        .asString().startsWith("step 'db' did not finish within its step timeout PT0.2S; blocked in ");
  }

  @Test
  void ruleWithoutReason_isRejected() {
    assertThatThrownBy(() -> EnvironmentPolicy.builder().skip("payments", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reason for the rule on step 'payments' must not be blank: it is printed in the startup report");
  }

  @Test
  void skipAndMakeOptionalOfSameStep_conflict() {
    assertThatThrownBy(() -> EnvironmentPolicy.builder().skip("db", "a").makeOptional("db", "b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("step 'db' already has a skip or make-optional rule");
  }
}
