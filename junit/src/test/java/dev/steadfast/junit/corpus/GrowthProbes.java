package dev.steadfast.junit.corpus;

import dev.steadfast.junit.NoHeapGrowth;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fixtures that leak exactly one object of a known shallow size per iteration into a pre-sized array, so the only
 * growth is the object itself: {@code LeakBench} runs them to find the smallest growth {@link NoHeapGrowth} detects at
 * 1,000 iterations. Sizes assume the default 64-bit layout (12-byte header with compressed class pointers, 4-byte
 * ints, 8-byte alignment).
 */
public final class GrowthProbes {

    /** Enough slots for the first run, the default warm-up and 1,000 iterations, allocated before measuring. */
    static final Object[] HELD = new Object[4_096];
    static int next;

    private GrowthProbes() {
    }

    /** @return the probe fixtures, smallest leak first */
    public static List<Class<?>> fixtures() {
        return List.of(Leaks16Bytes.class, Leaks24Bytes.class, Leaks32Bytes.class, Leaks48Bytes.class,
                Leaks64Bytes.class);
    }

    /**
     * The bytes one iteration of {@code fixture} leaks.
     *
     * @param fixture one of {@link #fixtures()}
     * @return its object's shallow size
     */
    public static int bytesPerIteration(Class<?> fixture) {
        return fixture.getAnnotation(LeakedBytes.class).value();
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

    /** The shallow size of what a probe leaks per iteration. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @interface LeakedBytes {
        int value();
    }

    /** 12-byte header + 1 int. */
    static final class Object16 {
        int a;
    }

    /** 12-byte header + 3 ints. */
    static final class Object24 {
        int a;
        int b;
        int c;
    }

    /** 12-byte header + 5 ints. */
    static final class Object32 {
        int a;
        int b;
        int c;
        int d;
        int e;
    }

    /** 12-byte header + 9 ints. */
    static final class Object48 {
        int a;
        int b;
        int c;
        int d;
        int e;
        int f;
        int g;
        int h;
        int i;
    }

    /** 12-byte header + 13 ints. */
    static final class Object64 {
        int a;
        int b;
        int c;
        int d;
        int e;
        int f;
        int g;
        int h;
        int i;
        int j;
        int k;
        int l;
        int m;
    }

    @Fixture
    @LeakedBytes(16)
    public static class Leaks16Bytes {
        @Test
        @NoHeapGrowth(iterations = 1_000)
        void test() {
            hold(new Object16());
        }
    }

    @Fixture
    @LeakedBytes(24)
    public static class Leaks24Bytes {
        @Test
        @NoHeapGrowth(iterations = 1_000)
        void test() {
            hold(new Object24());
        }
    }

    @Fixture
    @LeakedBytes(32)
    public static class Leaks32Bytes {
        @Test
        @NoHeapGrowth(iterations = 1_000)
        void test() {
            hold(new Object32());
        }
    }

    @Fixture
    @LeakedBytes(48)
    public static class Leaks48Bytes {
        @Test
        @NoHeapGrowth(iterations = 1_000)
        void test() {
            hold(new Object48());
        }
    }

    @Fixture
    @LeakedBytes(64)
    public static class Leaks64Bytes {
        @Test
        @NoHeapGrowth(iterations = 1_000)
        void test() {
            hold(new Object64());
        }
    }
}
