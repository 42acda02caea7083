package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassHistogramTrendTest {

    /** A histogram as jcmd prints it, with a steady class, a growing one and a cache filling up to its bound. */
    private static String histogram(long sessions, long cacheEntries) {
        return " num     #instances         #bytes  class name (module)\n"
                + "-------------------------------------------------------\n"
                + "   1:        10000         480000  java.lang.String (java.base@17)\n"
                + String.format("   2:   %10d   %12d  com.acme.Session%n", sessions, sessions * 32)
                + String.format("   3:   %10d   %12d  com.acme.CacheEntry%n", cacheEntries, cacheEntries * 64)
                + "Total        99999        9999999\n";
    }

    @Test
    void steadyGrowth_isNamedWithItsRatePerMinuteAndTheVerdictIsGrowing() {
        ClassHistogramTrend trend = ClassHistogramTrend.of(7, ClassHistogramTrend.DEFAULT_THRESHOLD_BYTES_PER_MINUTE);
        for (int i = 0; i < 7; i++) {
            // 100 sessions (3,200 bytes) every 10 s: 600 sessions, 19,200 bytes per minute; the cache fills at once.
            trend.add(Duration.ofSeconds(10L * i + 1), histogram(1_000 + 100L * i, i == 0 ? 10 : 500));
        }

        ClassHistogramTrend.Evaluation evaluation = trend.evaluate();

        assertThat(evaluation.isGrowing()).isTrue();
        assertThat(evaluation.growing()).extracting(ClassHistogramTrend.Growth::name)
                .containsExactly("com.acme.Session");
        ClassHistogramTrend.Growth session = evaluation.growing().get(0);
        assertThat(session.instances().perMinute()).isCloseTo(600, within(1e-6));
        assertThat(session.bytes().perMinute()).isCloseTo(19_200, within(1e-6));
        assertThat(session.bytes().lowerPerMinute()).isCloseTo(19_200, within(1e-6));
        assertThat(evaluation.span()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void cacheFillingToItsBound_isNotGrowth() {
        ClassHistogramTrend trend = ClassHistogramTrend.of(7, ClassHistogramTrend.DEFAULT_THRESHOLD_BYTES_PER_MINUTE);
        for (int i = 0; i < 7; i++) {
            trend.add(Duration.ofSeconds(10L * i), histogram(1_000, Math.min(500, 10 + 200L * i)));
        }

        ClassHistogramTrend.Evaluation evaluation = trend.evaluate();

        assertThat(evaluation.isGrowing()).as(evaluation.toString()).isFalse();
        assertThat(evaluation.growing()).isEmpty();
    }

    @Test
    void counts_growingInEveryInterval_areGrowthWithNoBytes() {
        ClassHistogramTrend threads = ClassHistogramTrend.of(5, 0);
        for (int i = 0; i < 5; i++) {
            threads.addCounts(Duration.ofSeconds(i + 1), Map.of("pool-*-thread-*", 2L + i, "main", 1L));
        }

        ClassHistogramTrend.Evaluation evaluation = threads.evaluate();

        assertThat(evaluation.isGrowing()).isTrue();
        assertThat(evaluation.growing()).singleElement().satisfies(g -> {
            assertThat(g.name()).isEqualTo("pool-*-thread-*");
            assertThat(g.instances().perMinute()).isCloseTo(60, within(1e-6));
        });
    }

    /**
     * A bounded pool's thread count going 1, 2, 3 in three samples lies exactly on a line, so its confidence interval
     * is a point and the slope is "significant"; a count that wanders rises in every one of n-1 intervals by chance
     * once in n! runs. Seen on a healthy service whose cached pool retires and restarts threads: three samples said
     * "threads grow". Five samples make a chance run a 1-in-120 event and the bounds wide enough to catch it.
     */
    @Test
    void fewerThanFiveSamples_giveNoVerdict_soAChanceRiseIsNotCalledGrowth() {
        ClassHistogramTrend four = ClassHistogramTrend.of(5, 0);
        for (int i = 0; i < 4; i++) {
            four.addCounts(Duration.ofSeconds(i + 1), Map.of("pool-*-thread-*", 1L + i));
        }

        assertThatThrownBy(() -> ClassHistogramTrend.of(3, 0)).hasMessageContaining("maxSamples must be at least 5");
        assertThatThrownBy(four::evaluate).hasMessageStartingWith("a trend needs at least 5 samples: 4");
    }

    @Test
    void misuse_isRejectedWithTheReason() {
        ClassHistogramTrend trend = ClassHistogramTrend.of(5, 0);
        trend.add(Duration.ofSeconds(5), histogram(1, 1));

        assertThatThrownBy(() -> ClassHistogramTrend.of(4, 0)).hasMessageContaining("maxSamples must be at least 5");
        assertThatThrownBy(trend::evaluate).hasMessageStartingWith("a trend needs at least 5 samples: 1");
        assertThatThrownBy(() -> trend.add(Duration.ofSeconds(5), histogram(1, 1)))
                .hasMessage("sample 1 at PT5S is not after the previous one");
    }
}
