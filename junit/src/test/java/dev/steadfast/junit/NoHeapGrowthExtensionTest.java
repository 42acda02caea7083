package dev.steadfast.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.junit.corpus.Corpus;
import dev.steadfast.junit.corpus.Fixture;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

/** {@link NoHeapGrowth} through the engine test kit. */
class NoHeapGrowthExtensionTest {

    private static final String PREFIX = NoHeapGrowthExtensionTest.class.getName() + "$";

    /** What the growing fixture keeps, one per iteration. */
    static final class Retained {
        final long[] payload = new long[8];
    }

    @Fixture
    static class Growing {
        static final List<Retained> KEPT = new CopyOnWriteArrayList<>();

        @Test
        @NoHeapGrowth(iterations = 400, warmupIterations = 50)
        void test() {
            KEPT.add(new Retained());
        }
    }

    @Test
    void growingBody_failsNamingTheGrowingClass() {
        EngineExecutionResults results;
        try {
            results = Corpus.run(Growing.class);
        } finally {
            Growing.KEPT.clear();
        }

        Throwable failure = Corpus.onlyFailure(results);
        assertThat(failure).isInstanceOf(AssertionFailedError.class);
        assertThat(failure.getMessage()).startsWith("Heap GROWS with the iterations: ")
                .contains("400 iterations after 50 warm-up")
                .contains("Classes growing with the iterations:\n")
                .contains("\n  " + PREFIX + "Retained: +1.00 instances/iteration");
    }

    @Fixture
    static class GrowingRepeated {
        static final List<Retained> KEPT = new CopyOnWriteArrayList<>();

        @RepeatedTest(2)
        @NoHeapGrowth(iterations = 400, warmupIterations = 50)
        void test() {
            KEPT.add(new Retained());
        }
    }

    @Test
    void repeatedTest_eachRepetitionIsMeasured() {
        EngineExecutionResults results;
        try {
            results = Corpus.run(GrowingRepeated.class);
        } finally {
            GrowingRepeated.KEPT.clear();
        }

        results.testEvents().assertStatistics(stats -> stats.started(2).failed(2));
        assertThat(results.testEvents().failed().list()).allSatisfy(event -> assertThat(event
                .getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().getMessage())
                .startsWith("Heap GROWS with the iterations: ")
                .contains("\n  " + PREFIX + "Retained: +1.00 instances/iteration"));
    }

    @Fixture
    static class CountsCalls {
        static final AtomicInteger BODY = new AtomicInteger();
        static final AtomicInteger BEFORE_EACH = new AtomicInteger();
        static final AtomicInteger AFTER_EACH = new AtomicInteger();

        @BeforeEach
        void setUp() {
            BEFORE_EACH.incrementAndGet();
        }

        @Test
        @NoHeapGrowth(iterations = 200, warmupIterations = 100)
        void test() {
            BODY.incrementAndGet();
        }

        @AfterEach
        void tearDown() {
            AFTER_EACH.incrementAndGet();
        }
    }

    @Test
    void stableBody_passes_afterOneNormalRunWarmUpAndIterations_withLifecycleMethodsOnce() {
        EngineExecutionResults results = Corpus.run(CountsCalls.class);

        assertThat(results.testEvents().failed().list()).as("failures").isEmpty();
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        assertThat(CountsCalls.BODY).hasValue(1 + 100 + 200);
        assertThat(CountsCalls.BEFORE_EACH).hasValue(1);
        assertThat(CountsCalls.AFTER_EACH).hasValue(1);
    }

    @Fixture
    static class FailsInLaterIteration {
        static final AtomicInteger CALLS = new AtomicInteger();

        @Test
        @NoHeapGrowth(iterations = 20, warmupIterations = 0)
        void test() {
            if (CALLS.incrementAndGet() == 7) {
                throw new IllegalStateException("broke in call 7");
            }
        }
    }

    @Test
    void bodyFailingInALaterIteration_failsWithItsOwnException() {
        Throwable failure = Corpus.onlyFailure(Corpus.run(FailsInLaterIteration.class));

        assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessage("broke in call 7");
    }

    @Fixture
    static class Misconfigured {
        @Test
        @NoHeapGrowth(iterations = 3, warmupIterations = -2, thresholdBytesPerIteration = -5)
        void test() {
        }
    }

    @Test
    void misconfiguration_isReportedAllAtOnce() {
        assertThat(Corpus.onlyFailure(Corpus.run(Misconfigured.class)).getMessage())
                .isEqualTo("@NoHeapGrowth on " + PREFIX
                + "Misconfigured.test() is misconfigured:\n"
                + "  - iterations must be at least 10: 3\n"
                + "  - warmupIterations must be -1 (the default) or at least 0: -2\n"
                + "  - thresholdBytesPerIteration must be -1 (the default) or at least 0: -5.0");
    }
}
