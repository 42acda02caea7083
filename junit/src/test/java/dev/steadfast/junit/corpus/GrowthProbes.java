package dev.steadfast.junit.corpus;

import dev.steadfast.junit.NoHeapGrowth;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A fixture that leaks exactly one {@code long[]} of a known size per iteration into a pre-sized array, so the only
 * growth is that object: {@code LeakBench} runs it to find the smallest growth {@link NoHeapGrowth} detects at 1,000
 * iterations. Each invocation of the parameterized test is one probe, named by its bytes per iteration. Sizes assume
 * the default 64-bit layout (16-byte array header, 8-byte alignment): {@code long[n]} takes {@code 16 + 8n} bytes.
 */
public final class GrowthProbes {

    /** Bytes leaked per iteration by the probes, smallest first. */
    public static final List<Integer> BYTES_PER_ITERATION = List.of(16, 24, 32, 48, 64);

    /**
     * Enough slots for every probe's first run, default warm-up and 1,000 iterations, allocated before measuring: an
     * earlier probe's objects stay, but they are constant while the next probe measures.
     */
    static final Object[] HELD = new Object[8_192];
    static int next;

    private GrowthProbes() {
    }

    static void hold(Object leaked) {
        if (next == 0) {
            Leftovers.undoAfterVerdict(() -> {
                Arrays.fill(HELD, null);
                next = 0;
            });
        }
        HELD[next++] = leaked;
    }

    @Fixture
    public static class LeaksOneArrayPerIteration {
        @ParameterizedTest(name = "{0}")
        @ValueSource(ints = {16, 24, 32, 48, 64})
        @NoHeapGrowth(iterations = 1_000)
        void test(int bytes) {
            hold(new long[(bytes - 16) / 8]);
        }
    }
}
