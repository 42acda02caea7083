package dev.steadfast.junit.corpus;

import dev.steadfast.junit.LeakFree;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Two identical classes of trivial tests, one with {@link LeakFree}'s default checks and one without, so
 * {@code LeakBench} can measure what the checks cost a clean test.
 */
public final class OverheadFixtures {

    /** Tests per fixture class. */
    public static final int TESTS = 500;

    private OverheadFixtures() {
    }

    @Fixture
    @LeakFree
    public static class WithLeakFree {
        @RepeatedTest(TESTS)
        void test() {
        }
    }

    @Fixture
    public static class Plain {
        @RepeatedTest(TESTS)
        void test() {
        }
    }
}
