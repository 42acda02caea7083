package dev.steadfast.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.junit.corpus.Corpus;
import dev.steadfast.junit.corpus.Fixture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** {@link TimeoutDiagnosis} through the engine test kit: a deadlocked test and one stuck in class initialisation. */
class TimeoutDiagnosisTest {

    /**
     * The test thread takes {@code first} then (interruptibly) {@code second}; a helper takes them the other way
     * round. The interrupt that follows the timeout ends the test thread's wait, and with it the deadlock.
     */
    @Fixture
    @ExtendWith(TimeoutDiagnosis.class)
    static class Deadlocks {
        @Test
        @Timeout(value = 300, unit = TimeUnit.MILLISECONDS)
        void test() throws Exception {
            ReentrantLock first = new ReentrantLock();
            ReentrantLock second = new ReentrantLock();
            CountDownLatch bothHeld = new CountDownLatch(2);
            Thread helper = new Thread(() -> {
                second.lock();
                try {
                    bothHeld.countDown();
                    awaitQuietly(bothHeld);
                    first.lock();
                    first.unlock();
                } finally {
                    second.unlock();
                }
            }, "timeout-fixture-helper");
            first.lock();
            try {
                helper.start();
                bothHeld.countDown();
                bothHeld.await();
                second.lockInterruptibly();
                second.unlock();
            } finally {
                first.unlock();
                helper.join(10_000);
            }
        }
    }

    /** Initialised by a helper thread that stays in the initialiser for a while. */
    static final class SlowToInitialise {
        static final CountDownLatch STARTED = new CountDownLatch(1);
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        static {
            STARTED.countDown();
            awaitQuietly(RELEASE, 2);
        }

        static void touch() {
        }
    }

    @Fixture
    @ExtendWith(TimeoutDiagnosis.class)
    static class WaitsForClassInitialisation {
        @Test
        @Timeout(value = 300, unit = TimeUnit.MILLISECONDS)
        void test() throws Exception {
            Thread initialiser = new Thread(SlowToInitialise::touch, "timeout-fixture-initialiser");
            initialiser.start();
            // Class-initialisation waits ignore interrupts: the initialiser's own 2 s limit ends this one.
            while (initialiser.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
            try {
                SlowToInitialise.touch();
            } finally {
                initialiser.join(10_000);
            }
        }
    }

    @Test
    void deadlockedTest_isExplained_withTheCycleAndTheLockOwner() {
        EngineExecutionResults results = Corpus.run(Deadlocks.class);

        results.testEvents().assertStatistics(stats -> stats.failed(1));
        String diagnosis = onlyDiagnosis(results);
        assertThat(diagnosis)
                .startsWith("Steadfast timeout diagnosis of " + TimeoutDiagnosisTest.class.getName()
                        + "$Deadlocks.test(): thread \"")
                .contains("It is held up by a SYNCHRONIZER deadlock (below).")
                .contains("owned by \"timeout-fixture-helper\"")
                .contains("1 deadlock found.");
    }

    @Test
    void testWaitingForClassInitialisation_isExplained_withTheInitialisingThread() {
        EngineExecutionResults results = Corpus.run(WaitsForClassInitialisation.class);

        results.testEvents().assertStatistics(stats -> stats.failed(1));
        assertThat(onlyDiagnosis(results))
                .contains("It waits for class " + SlowToInitialise.class.getName() + " to be initialised by another "
                        + "thread (below); an interrupt cannot end that wait.")
                .contains("Class-initialization waits:")
                .contains("waits for class " + SlowToInitialise.class.getName()
                        + " to be initialized by \"timeout-fixture-initialiser\"");
    }

    @Test
    void disabledByConfiguration_saysNothing() {
        EngineExecutionResults results = Corpus.run(Deadlocks.class,
                Map.of(TimeoutDiagnosis.ENABLED_PROPERTY_NAME, "false"));

        results.testEvents().assertStatistics(stats -> stats.failed(1));
        assertThat(diagnoses(results)).isEmpty();
    }

    private static String onlyDiagnosis(EngineExecutionResults results) {
        List<String> diagnoses = diagnoses(results);
        assertThat(diagnoses).hasSize(1);
        return diagnoses.get(0);
    }

    private static List<String> diagnoses(EngineExecutionResults results) {
        return results.allEvents().reportingEntryPublished().stream()
                .map(event -> event.getRequiredPayload(ReportEntry.class).getKeyValuePairs())
                .filter(pairs -> pairs.containsKey(TimeoutDiagnosis.REPORT_ENTRY))
                .map(pairs -> pairs.get(TimeoutDiagnosis.REPORT_ENTRY))
                .toList();
    }

    static void awaitQuietly(CountDownLatch latch) {
        awaitQuietly(latch, 10);
    }

    static void awaitQuietly(CountDownLatch latch, int seconds) {
        try {
            latch.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
