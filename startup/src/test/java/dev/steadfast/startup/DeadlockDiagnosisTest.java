package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.junit.LeakFree;
import dev.steadfast.startup.fixture.ClinitHandsOff;
import dev.steadfast.startup.fixture.ClinitLockCycle;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Real deadlocks between two steps. A thread stuck on a monitor or in a class-initialization wait can never be freed
 * in Java, so these steps run on threads named {@value #PREFIX} and are abandoned for good: {@link #onlyTheDeadlockedThreadsRemain()}
 * checks that exactly the threads the reports name as ABANDONED remain, and nothing else of these startups.
 *
 * <p>Like the whole suite, these tests run under {@code @LeakFree}. The two deadlock tests ignore only the pool
 * threads running their two deadlocked steps (named {@code <prefix>-<n>:<step>} while they run a step): these can
 * never end, and {@link #onlyTheDeadlockedThreadsRemain()} asserts exactly which ones are left. Everything else those
 * startups start (coordinator, abort hooks, stop actions, replacement pool threads) and every ThreadLocal is still
 * checked.
 */
class DeadlockDiagnosisTest {
  private static final String PREFIX = "deadlock-fixture";
  private static final String FIXTURE = "dev.steadfast.startup.fixture.";
  private static final List<String> abandonedThreads = new ArrayList<>();

  @AfterAll
  static void onlyTheDeadlockedThreadsRemain() {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(NoStartupThreadLeft.liveThreads(PREFIX)).containsExactlyInAnyOrderElementsOf(abandonedThreads));
  }

  @Test
  @LeakFree(ignoreThreads = "deadlock-fixture-monitor-\\d+:(billing|stock)") // deadlocked on monitors for good
  void monitorDeadlockBetweenTwoSteps_isShownInTheReport() {
    Object ledger = new Object();
    Object inventory = new Object();
    CountDownLatch bothLocked = new CountDownLatch(2);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .threadNamePrefix(PREFIX + "-monitor")
        .stepTimeout(Duration.ofSeconds(1))
        .step("billing", s -> s.start(ctx -> lockBoth(ledger, inventory, bothLocked)))
        .step("stock", s -> s.start(ctx -> lockBoth(inventory, ledger, bothLocked)))
        .build();

    StartupReport report = plan.start().report();
    recordAbandoned(report);

    StepReport billing = report.step("billing");
    StepReport stock = report.step("stock");
    assertThat(billing.status()).isEqualTo(StepStatus.ABANDONED);
    assertThat(stock.status()).isEqualTo(StepStatus.ABANDONED);
    assertThat(billing.diagnosis().get().deadlocks()).singleElement().asString()
        .startsWith("MONITOR deadlock")
        .contains(billing.thread())
        .contains(stock.thread());
    assertThat(report.toString().split("MONITOR deadlock", -1)).as("the deadlock printed once").hasSize(2);
    assertThat(report.toString()).contains("in the deadlock shown under step 'billing'");
    // The first of the two to overrun fails startup; the other is a cancelled bystander, with no error of its own.
    StepReport overran = report.step(report.failedStep().orElseThrow());
    assertThat(overran.error().orElseThrow().message()).as("the root-cause line names the blocker")
        .contains("waiting to lock monitor java.lang.Object@").contains("lockBoth");
    assertThat(report.summary()).contains("waiting to lock monitor java.lang.Object@");
  }

  @Test
  @LeakFree(ignoreThreads = "deadlock-fixture-clinit-\\d+:(alpha|beta)") // stuck in <clinit> waits for good
  void classInitializationDeadlockBetweenTwoSteps_isDetectedAndNamed() throws Exception {
    ClassLoader throwaway = new FixtureLoader(getClass().getClassLoader());
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .threadNamePrefix(PREFIX + "-clinit")
        .stepTimeout(Duration.ofSeconds(2))
        .step("alpha", s -> s.start(ctx -> Class.forName(FIXTURE + "ClinitAlpha", true, throwaway)))
        .step("beta", s -> s.start(ctx -> Class.forName(FIXTURE + "ClinitBeta", true, throwaway)))
        .build();

    StartupReport report = plan.start().report();
    recordAbandoned(report);

    HangDiagnosis alpha = report.step("alpha").diagnosis().orElseThrow();
    HangDiagnosis beta = report.step("beta").diagnosis().orElseThrow();
    assertThat(alpha.initializingClasses()).contains(FIXTURE + "ClinitAlpha");
    assertThat(beta.initializingClasses()).contains(FIXTURE + "ClinitBeta");
    // Both directions: alpha waits for beta's class, and beta waits for the class alpha initializes.
    assertThat(alpha.classInitializationWaits()).containsExactlyInAnyOrder(
        "\"" + report.step("alpha").thread() + "\" #" + threadId(alpha) + " waits for class " + FIXTURE
            + "ClinitBeta to be initialized by \"" + report.step("beta").thread() + "\" #" + threadId(beta),
        "\"" + report.step("beta").thread() + "\" #" + threadId(beta) + " waits for class " + FIXTURE
            + "ClinitAlpha to be initialized by \"" + report.step("alpha").thread() + "\" #" + threadId(alpha));
    assertThat(alpha.deadlocks()).singleElement().asString()
        .startsWith("CLASS_INITIALIZATION deadlock")
        .contains(FIXTURE + "ClinitAlpha")
        .contains(FIXTURE + "ClinitBeta");
    assertThat(report.step("alpha").status()).isEqualTo(StepStatus.ABANDONED);
    assertThat(report.warnings()).anyMatch(w -> w.startsWith("step 'alpha': the static initializer of ["
        + FIXTURE + "ClinitAlpha] was abandoned while it ran") && w.contains("can no longer be initialized"));
    assertThat(report.toString().split("CLASS_INITIALIZATION deadlock", -1)).as("the deadlock printed once")
        .hasSize(2);
    // The one-line root cause names the class each step waits for, from inside its own static initializer.
    assertThat(alpha.blocker()).contains(FIXTURE + "ClinitAlpha.<clinit>")
        .contains("waiting for class " + FIXTURE + "ClinitBeta to be initialized");
    assertThat(beta.blocker()).contains(FIXTURE + "ClinitBeta.<clinit>")
        .contains("waiting for class " + FIXTURE + "ClinitAlpha to be initialized");
    assertThat(report.step(report.failedStep().orElseThrow()).error()).get().extracting(StepError::message)
        .asString().contains("; blocked in ").contains(FIXTURE + "Clinit").contains(": waiting for class " + FIXTURE);
    assertThat(report.summary()).contains("waiting for class " + FIXTURE + "Clinit");
  }

  @Test
  void stepHoldingAClassInitializationThatItsHelperAwaits_isDiagnosedWithBothThreads_andThePoisonedClassWarned()
      throws Exception {
    ClassLoader throwaway = new FixtureLoader(getClass().getClassLoader());
    String handsOff = FIXTURE + "ClinitHandsOff";
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .threadNamePrefix(PREFIX + "-handoff")
        .step("cache", s -> s.optional().timeout(Duration.ofSeconds(1))
            .start(ctx -> Class.forName(handsOff, true, throwaway)))
        .build();

    StartupReport report = plan.start().report();

    StepReport cache = report.step("cache");
    HangDiagnosis diagnosis = cache.diagnosis().orElseThrow();
    String helper = "\"" + ClinitHandsOff.HELPER + "\""; // a constant: loads nothing
    assertThat(diagnosis.classInitializationWaits()).singleElement().asString()
        .startsWith(helper)
        .contains("waits for class " + handsOff + " to be initialized by \"" + cache.thread() + "\"");
    assertThat(diagnosis.deadlocks()).singleElement().asString()
        .contains("Future.get")
        .contains(helper)
        .contains("\"" + cache.thread() + "\"")
        .contains(handsOff + ".<clinit>");
    assertThat(diagnosis.blocker()).contains(handsOff + ".<clinit>").contains("waiting for a future");
    // The interrupt made the initializer throw: the step's own exception stays the cause, the timeout attached.
    assertThat(cache.status()).isEqualTo(StepStatus.TIMED_OUT);
    StepError error = cache.error().orElseThrow();
    assertThat(error.type()).isEqualTo(ExceptionInInitializerError.class.getName());
    assertThat(error.exception().getSuppressed()).singleElement(
            org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(StepTimeoutException.class)
        .hasMessageContaining("did not finish within its step timeout PT1S");
    assertThat(cache.detail()).contains("interrupted: step 'cache' did not finish within its step timeout PT1S");
    assertThat(report.warnings()).anyMatch(w -> w.contains("static initializer of [" + handsOff + "] failed")
        && w.contains("can no longer be initialized in this JVM") && w.contains("restart"));
  }

  @Test
  void stepInitializingAClassWhileWaitingForALockHeldByItsWaiter_isDiagnosedAsADeadlock() {
    ClassLoader throwaway = new FixtureLoader(getClass().getClassLoader());
    String lockCycle = FIXTURE + "ClinitLockCycle";
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .threadNamePrefix(PREFIX + "-lock")
        .step("registry", s -> s.optional().timeout(Duration.ofSeconds(1))
            .start(ctx -> Class.forName(lockCycle, true, throwaway)))
        .build();

    StartupReport report = plan.start().report();

    StepReport registry = report.step("registry");
    HangDiagnosis diagnosis = registry.diagnosis().orElseThrow();
    String helper = "\"" + ClinitLockCycle.HELPER + "\""; // a constant: loads nothing
    assertThat(diagnosis.deadlocks()).singleElement().asString()
        .startsWith("MIXED deadlock: \"" + registry.thread() + "\"")
        .contains("\"" + registry.thread() + "\" #" + threadId(diagnosis) + " initializes " + lockCycle
            + ", waits for lock")
        .contains("ReentrantLock")
        .contains(helper + " #")
        .contains("waits for class " + lockCycle + " initialized by \"" + registry.thread() + "\"");
    assertThat(diagnosis.classInitializationWaits()).singleElement().asString().startsWith(helper);
    assertThat(diagnosis.blocker()).contains("held by " + helper);
    assertThat(report.warnings()).anyMatch(w -> w.contains("static initializer of [" + lockCycle + "] failed"));
  }

  @Test
  void stepWhoseStaticInitializerThrows_isFailed_andThePoisonedClassWarned_evenWhenItsRetrySeesOnlyNoClassDefFoundError()
      throws Exception {
    ClassLoader throwaway = new FixtureLoader(getClass().getClassLoader());
    String throwing = FIXTURE + "ClinitThrows";
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .threadNamePrefix(PREFIX + "-throws")
        .step("settings", s -> s.optional().retry(2, Duration.ofMillis(1))
            .start(ctx -> Class.forName(throwing, true, throwaway)))
        .build();

    StartupReport report = plan.start().report();

    StepReport settings = report.step("settings");
    assertThat(settings.status()).isEqualTo(StepStatus.FAILED);
    assertThat(settings.attempts()).isEqualTo(2);
    // The retry met the class already poisoned by the first attempt: that error alone names it.
    assertThat(settings.error()).get().extracting(StepError::type).isEqualTo(NoClassDefFoundError.class.getName());
    assertThat(report.warnings()).singleElement().asString()
        .startsWith("step 'settings': the static initializer of [" + throwing + "] failed")
        .contains("can no longer be initialized in this JVM").contains("restart the JVM");
  }

  @Test
  void stepWaitingOnPlainSleep_reportsNoDeadlock() {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .threadNamePrefix(PREFIX + "-clean")
        .step("slow", s -> s.optional().timeout(Duration.ofMillis(300)).start(Steps.hangInterruptibly()))
        .build();

    StartupReport report = plan.start().report();

    HangDiagnosis diagnosis = report.step("slow").diagnosis().orElseThrow();
    assertThat(diagnosis.deadlocks()).isEmpty();
    assertThat(diagnosis.classInitializationWaits()).isEmpty();
    assertThat(diagnosis.initializingClasses()).isEmpty();
  }

  /** The thread id the diagnosis's stack header shows ({@code "name" #id ...}). */
  private static String threadId(HangDiagnosis d) {
    String header = d.stack().lines().findFirst().orElseThrow();
    return header.replaceFirst("^\"[^\"]*\" #(\\d+).*$", "$1");
  }

  private static void lockBoth(Object first, Object second, CountDownLatch bothLocked) throws InterruptedException {
    synchronized (first) {
      bothLocked.countDown();
      bothLocked.await(10, TimeUnit.SECONDS);
      synchronized (second) {
        second.hashCode();
      }
    }
  }

  private static void recordAbandoned(StartupReport report) {
    for (StepReport s : report.steps()) {
      if (s.status() == StepStatus.ABANDONED) {
        abandonedThreads.add(s.thread());
      }
    }
  }

  /** Defines the fixture classes itself (child-first), so the poisoned classes die with this loader's users. */
  private static final class FixtureLoader extends ClassLoader {
    FixtureLoader(ClassLoader parent) {
      super("clinit-fixture", parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith(FIXTURE + "Clinit")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> loaded = findLoadedClass(name);
        if (loaded == null) {
          try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
            byte[] bytes = in.readAllBytes();
            loaded = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return loaded;
      }
    }
  }
}
