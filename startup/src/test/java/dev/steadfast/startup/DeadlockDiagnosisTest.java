package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.junit.LeakFree;
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
    assertThat(report.toString()).contains("MONITOR deadlock");
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
    assertThat(alpha.classInitializationWaits()).singleElement().asString()
        .contains("waits for class " + FIXTURE + "ClinitBeta to be initialized by")
        .contains(report.step("beta").thread());
    assertThat(alpha.deadlocks()).singleElement().asString()
        .startsWith("CLASS_INITIALIZATION deadlock")
        .contains(FIXTURE + "ClinitAlpha")
        .contains(FIXTURE + "ClinitBeta");
    assertThat(report.step("alpha").status()).isEqualTo(StepStatus.ABANDONED);
    assertThat(report.warnings()).anyMatch(w -> w.contains("abandoned inside the static initializer of ["
        + FIXTURE + "ClinitAlpha]") && w.contains("poisoned for the life of its class loader"));
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
