package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StartupPlanValidationTest {
  private static final StepAction NOTHING = ctx -> { };

  private static StartupPlan.Builder plan() {
    return StartupPlan.builder().environment(Environment.PRODUCTION);
  }

  @Test
  void cycle_isPrintedExactly() {
    StartupPlan.Builder b = plan()
        .step("config", s -> s.start(NOTHING))
        .step("cache", s -> s.dependsOn("config", "db").start(NOTHING))
        .step("db", s -> s.dependsOn("cache").start(NOTHING));

    assertThatThrownBy(b::build)
        .isInstanceOf(InvalidStartupPlanException.class)
        .hasMessageContaining("dependency cycle: cache -> db -> cache");
  }

  @Test
  void selfDependency_isReportedAsCycle() {
    StartupPlan.Builder b = plan().step("db", s -> s.dependsOn("db").start(NOTHING));

    assertThatThrownBy(b::build).hasMessageContaining("dependency cycle: db -> db");
  }

  @Test
  void longerCycle_isPrintedFromItsFirstDeclaredStep() {
    StartupPlan.Builder b = plan()
        .step("a", s -> s.dependsOn("c").start(NOTHING))
        .step("b", s -> s.dependsOn("a").start(NOTHING))
        .step("c", s -> s.dependsOn("b").start(NOTHING));

    assertThatThrownBy(b::build).hasMessageContaining("dependency cycle: a -> c -> b -> a");
  }

  @Test
  void unknownDependency_isNamedWithSuggestion() {
    StartupPlan.Builder b = plan()
        .step("database", s -> s.start(NOTHING))
        .step("http", s -> s.dependsOn("databse").start(NOTHING));

    assertThatThrownBy(b::build)
        .hasMessageContaining("step 'http' depends on unknown step 'databse' (did you mean 'database'?)");
  }

  @Test
  void duplicateName_isReported() {
    StartupPlan.Builder b = plan()
        .step("db", s -> s.start(NOTHING))
        .step("db", s -> s.start(NOTHING));

    assertThatThrownBy(b::build)
        .hasMessageContaining("duplicate step name 'db' (declared 2 times): step names must be unique");
  }

  @Test
  void dependencyOnLaterPhase_isReported() {
    StartupPlan.Builder b = plan().phase("infrastructure").phase("service")
        .step("http", s -> s.phase("service").start(NOTHING))
        .step("db", s -> s.phase("infrastructure").dependsOn("http").start(NOTHING));

    assertThatThrownBy(b::build)
        .hasMessageContaining("step 'db' (phase 'infrastructure') depends on 'http' of later phase 'service'");
  }

  @Test
  void requiredStepDependingOnOptionalOne_withoutDeclaringIt_isReported() {
    StartupPlan.Builder b = plan()
        .step("cache", s -> s.optional().start(NOTHING))
        .step("http", s -> s.dependsOn("cache").start(NOTHING));

    assertThatThrownBy(b::build)
        .hasMessageContaining("required step 'http' depends on optional step 'cache' without saying how it behaves"
            + " if 'cache' degrades: declare dependsOnOptionally(\"cache\")");
  }

  @Test
  void requiredStepDependingOptionallyOnOptionalOne_isValid() {
    StartupPlan built = plan()
        .step("cache", s -> s.optional().start(NOTHING))
        .step("http", s -> s.dependsOnOptionally("cache").start(NOTHING))
        .build();

    assertThat(built.steps()).hasSize(2);
  }

  @Test
  void missingStartAction_isReported() {
    StartupPlan.Builder b = plan().step("db", s -> s.dependsOn());

    assertThatThrownBy(b::build).hasMessageContaining("step 'db' has no start action");
  }

  @Test
  void unknownPhase_isReportedWithDeclaredPhases() {
    StartupPlan.Builder b = plan().phase("infrastructure")
        .step("db", s -> s.phase("infra").start(NOTHING));

    assertThatThrownBy(b::build)
        .hasMessageContaining("step 'db' names unknown phase 'infra': declared phases are [infrastructure]");
  }

  @Test
  void everyProblem_isReportedAtOnce() {
    StartupPlan.Builder b = plan()
        .step("db", s -> s.start(NOTHING))
        .step("db", s -> s.start(NOTHING))
        .step("cache", s -> s.dependsOn("queue").start(NOTHING))
        .step("a", s -> s.dependsOn("b").start(NOTHING))
        .step("b", s -> s.dependsOn("a").start(NOTHING));

    InvalidStartupPlanException e = catchThrowableOfType(InvalidStartupPlanException.class, b::build);

    assertThat(e.problems()).containsExactly(
        "duplicate step name 'db' (declared 2 times): step names must be unique",
        "step 'cache' depends on unknown step 'queue'; known steps are [db, cache, a, b]",
        "dependency cycle: a -> b -> a");
    assertThat(e).hasMessageStartingWith("startup plan is invalid (3 problems):");
  }

  @Test
  void policyNamingUnknownStep_isReported() {
    StartupPlan.Builder b = StartupPlan.builder().environment(Environment.DEVELOPMENT)
        .policy(Environment.DEVELOPMENT, EnvironmentPolicy.builder().skip("payment", "no sandbox").build())
        .step("payments", s -> s.start(NOTHING));

    assertThatThrownBy(b::build)
        .hasMessageContaining("the DEVELOPMENT policy names unknown step 'payment' (did you mean 'payments'?)");
  }

  @Test
  void requiredStepDependingOnPolicySkippedStep_isReported() {
    StartupPlan.Builder b = StartupPlan.builder().environment(Environment.TEST)
        .policy(Environment.TEST, EnvironmentPolicy.builder().skip("kafka", "no broker in tests").build())
        .step("kafka", s -> s.start(NOTHING))
        .step("consumer", s -> s.dependsOn("kafka").start(NOTHING));

    assertThatThrownBy(b::build)
        .hasMessageContaining("required step 'consumer' depends on 'kafka', which the TEST policy skips");
  }

  @Test
  void emptyPlan_isReported() {
    assertThatThrownBy(() -> plan().build()).hasMessageContaining("the plan has no steps");
  }

  @Test
  void stepTimeout_negative_isRejected() {
    assertThatThrownBy(() -> plan().stepTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stepTimeout must be positive: PT-1S");
  }

  @Test
  void totalTimeout_zero_isRejected() {
    assertThatThrownBy(() -> plan().totalTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("totalTimeout must be positive: PT0S");
  }

  @Test
  void stepOwnTimeout_negative_isRejectedNamingTheStep() {
    assertThatThrownBy(() -> StartupStep.builder("db").timeout(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout of step 'db' must be positive: PT-0.005S");
  }

  @Test
  void parallelism_outOfRange_isRejected() {
    assertThatThrownBy(() -> plan().parallelism(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parallelism must be between 1 and 4096: 0");
  }

  @Test
  void sequentialAndParallelism_conflict() {
    assertThatThrownBy(() -> plan().parallelism(4).sequential())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sequential() conflicts with parallelism(4): choose one");
  }

  @Test
  void planSettingSetTwice_isRejectedNamingTheFirstValue() {
    assertThatThrownBy(() -> plan().stepTimeout(Duration.ofSeconds(5)).stepTimeout(Duration.ofSeconds(9)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("stepTimeout was already set to PT5S; set it once");
    assertThatThrownBy(() -> StartupPlan.builder().environment(Environment.TEST).environment(Environment.PRODUCTION))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("environment was already set to TEST; set it once");
    assertThatThrownBy(() -> plan().parallelism(2).parallelism(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("parallelism was already set to 2; set it once");
  }

  @Test
  void startActionSetTwice_isRejected() {
    assertThatThrownBy(() -> StartupStep.builder("db").start(NOTHING).start(NOTHING))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("start action of step 'db' was already set");
  }

  @Test
  void retry_zeroAttempts_isRejected() {
    assertThatThrownBy(() -> StartupStep.builder("db").retry(0, Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts of step 'db' must be between 1 and 100: 0");
  }

  @Test
  void environment_fromSystemProperty_winsOverVariable() {
    Properties props = new Properties();
    props.setProperty(Environment.PROPERTY, "Staging");

    assertThat(Environment.detect(props, Map.of(Environment.VARIABLE, "test"))).isEqualTo(Environment.STAGING);
  }

  @Test
  void environment_fromVariable_whenNoProperty() {
    assertThat(Environment.detect(new Properties(), Map.of(Environment.VARIABLE, "development")))
        .isEqualTo(Environment.DEVELOPMENT);
  }

  @Test
  void environment_unset_isProduction() {
    assertThat(Environment.detect(new Properties(), Map.of())).isEqualTo(Environment.PRODUCTION);
  }

  @Test
  void environment_unknownName_isRejectedNamingSourceAndChoices() {
    Properties props = new Properties();
    props.setProperty(Environment.PROPERTY, "prod");

    assertThatThrownBy(() -> Environment.detect(props, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("system property steadfast.environment must be one of [production, staging, test, development]:"
            + " 'prod'");
  }
}
