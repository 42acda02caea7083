package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BuiltInThreadFiltersTest {

    /**
     * A leak check enumerates threads and then filters them; any of them may end in between, and an ended thread has
     * no thread group any more. Seen on JDK 25 in CI-like runs: a scope's check failed with a NullPointerException
     * because the filter read the group twice and the thread ended between the two reads. Threads ending while the
     * filter looks at them, bounded to 3 s and 20,000 threads.
     */
    @Test
    void threadsEndingWhileFiltered_areNeverAnError() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int checked = 0;
        for (int i = 0; i < 20_000 && System.nanoTime() < deadline; i++) {
            Thread ending = new Thread(() -> { }, "ending-" + i);
            ending.start();
            while (ending.isAlive()) {
                assertThat(BuiltInThreadFilters.ALL.ignores(ending)).isFalse();
                checked++;
            }
            assertThat(BuiltInThreadFilters.ALL.ignores(ending)).isFalse();
        }
        assertThat(checked).isPositive();
    }
}
