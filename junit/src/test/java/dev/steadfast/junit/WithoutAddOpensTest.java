package dev.steadfast.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.junit.corpus.Corpus;
import dev.steadfast.junit.corpus.Fixture;
import dev.steadfast.leak.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

/**
 * Runs in its own Surefire execution, in a JVM without {@code --add-opens java.base/java.lang=ALL-UNNAMED}
 * (see this module's pom): the ThreadLocal check cannot run there, and a test must not pass as if it had.
 */
class WithoutAddOpensTest {

    @Fixture
    @LeakFree
    static class DefaultChecks {
        @Test
        void test() {
        }
    }

    @Test
    void threadLocalCheckUnavailable_failsTheTestSayingHowToEnableIt() {
        Throwable failure = Corpus.onlyFailure(Corpus.run(DefaultChecks.class));

        assertThat(failure).isInstanceOf(AssertionFailedError.class);
        assertThat(failure.getMessage())
                .contains("--add-opens java.base/java.lang=ALL-UNNAMED")
                .contains("A requested check could not run, so the test cannot be called leak-free. Fix what the "
                        + "warnings say, or leave the check out with @LeakFree(checks = ...) or the configuration "
                        + "parameter steadfast.leakfree.checks.");
    }

    @Fixture
    @LeakFree(checks = {LeakCheck.THREADS, LeakCheck.RETAINED_OBJECTS})
    static class WithoutThreadLocalCheck {
        @Test
        void test() {
        }
    }

    @Test
    void threadLocalCheckLeftOut_passes() {
        EngineExecutionResults results = Corpus.run(WithoutThreadLocalCheck.class);

        assertThat(results.containerEvents().failed().list()).as("failed containers").isEmpty();
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }
}
