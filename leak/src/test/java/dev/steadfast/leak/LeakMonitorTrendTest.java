package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.steadfast.leak.LeakMonitorSnapshot.Verdict;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LeakMonitorTrendTest {

    private static final long MB = 1L << 20;
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long SAMPLE_EVERY = Duration.ofSeconds(10).toMillis();

    private final LeakMonitorTrend trend = new LeakMonitorTrend(HOUR, 12, MB, 0.95);
    private final Random noise = new Random(42);

    @Test
    void evaluate_noSamples_isInsufficientData() {
        LeakMonitorTrend.Evaluation evaluation = trend.evaluate(0);

        assertThat(evaluation.verdict()).isEqualTo(Verdict.INSUFFICIENT_DATA);
        assertThat(evaluation.samples()).isZero();
    }

    @Test
    void evaluate_fewerThanFourCompletedSlots_isInsufficientData() {
        long end = feed(0, 15 * 60_000, time -> 100 * MB + time);

        assertThat(trend.evaluate(end).verdict()).isEqualTo(Verdict.INSUFFICIENT_DATA);
        assertThat(trend.evaluate(end).points()).isEqualTo(3);
    }

    @Test
    void evaluate_flatNoisyHeap_isStable() {
        long end = feed(0, 2 * HOUR, time -> 200 * MB + noise.nextInt((int) (5 * MB)));

        LeakMonitorTrend.Evaluation evaluation = trend.evaluate(end);

        assertThat(evaluation.verdict()).isEqualTo(Verdict.STABLE);
        assertThat(evaluation.growingSince()).isEmpty();
        assertThat(evaluation.lowerPerHour()).isLessThan(MB);
    }

    @Test
    void evaluate_heapRising20MegabytesPerHour_isGrowingAtThatRate() {
        long end = feed(0, 2 * HOUR, time -> 200 * MB + 20 * MB * time / HOUR + noise.nextInt((int) MB));

        LeakMonitorTrend.Evaluation evaluation = trend.evaluate(end);

        assertThat(evaluation.verdict()).isEqualTo(Verdict.GROWING);
        assertThat(evaluation.perHour() / MB).isCloseTo(20.0, within(2.0));
        assertThat(evaluation.lowerPerHour()).isGreaterThan(MB);
        assertThat(evaluation.growingSince()).isPresent();
        assertThat(evaluation.growingSince().getAsLong()).isLessThan(HOUR);
    }

    @Test
    void evaluate_sawtoothOfPromotedGarbageOverFlatFloor_isStable() {
        // Old generation climbs 100 MB over 2 minutes of young collections, then an old collection drops it back.
        long end = feed(0, 3 * HOUR, time -> 300 * MB + 100 * MB * (time % 120_000) / 120_000);

        assertThat(trend.evaluate(end).verdict()).isEqualTo(Verdict.STABLE);
        assertThat(trend.evaluate(end).perHour()).isCloseTo(0.0, within((double) MB));
    }

    @Test
    void evaluate_sawtoothOverRisingFloor_isGrowing() {
        long end = feed(0, 3 * HOUR,
                time -> 300 * MB + 10 * MB * time / HOUR + 100 * MB * (time % 120_000) / 120_000);

        LeakMonitorTrend.Evaluation evaluation = trend.evaluate(end);

        assertThat(evaluation.verdict()).isEqualTo(Verdict.GROWING);
        assertThat(evaluation.perHour() / MB).isCloseTo(10.0, within(1.5));
    }

    @Test
    void evaluate_growthThatStopped_becomesStableOnceOutOfTheWindow() {
        long grown = feed(0, HOUR, time -> 100 * MB + 50 * MB * time / HOUR);
        assertThat(trend.evaluate(grown).verdict()).isEqualTo(Verdict.GROWING);

        long end = feed(grown, grown + 2 * HOUR, time -> 150 * MB);

        assertThat(trend.evaluate(end).verdict()).isEqualTo(Verdict.STABLE);
        assertThat(trend.evaluate(end).growingSince()).isEmpty();
    }

    @Test
    void evaluate_growingSince_staysAtTheStartOfTheGrowthWhileTheWindowSlides() {
        long firstDetection = feed(0, HOUR, time -> 100 * MB + 50 * MB * time / HOUR);
        long since = trend.evaluate(firstDetection).growingSince().getAsLong();

        long end = feed(firstDetection, 3 * HOUR, time -> 100 * MB + 50 * MB * time / HOUR);

        assertThat(trend.evaluate(end).growingSince()).hasValue(since);
    }

    @Test
    void evaluateSince_fitsOnlySlotsWhoseLowestSampleCameAfterThatTime() {
        // Flat for the first half of the window, then rising 30 MB/hour: the whole window dilutes the rise.
        long turn = 90 * 60_000;
        long end = feed(0, 2 * HOUR, time -> 100 * MB + Math.max(0, time - turn) * 30 * MB / HOUR);

        LeakMonitorTrend.Evaluation since = trend.evaluateSince(end, turn);

        assertThat(since.points()).isEqualTo(6);
        assertThat(since.perHour() / MB).isCloseTo(30.0, within(0.5));
        assertThat(since.growingSince()).as("only the whole window's fit says since when").isEmpty();
        assertThat(trend.evaluate(end).perHour() / MB).isLessThan(25.0);
    }

    @Test
    void add_manyHoursOfSamples_fitUsesOnlyTheWindow() {
        long end = feed(0, 10 * HOUR, time -> 100 * MB);

        assertThat(trend.evaluate(end).points()).isLessThanOrEqualTo(12);
        assertThat(trend.evaluate(end).samples()).isEqualTo(10 * HOUR / SAMPLE_EVERY);
    }

    private long feed(long from, long to, java.util.function.LongUnaryOperator valueAt) {
        long time = from;
        for (; time < to; time += SAMPLE_EVERY) {
            trend.add(time, valueAt.applyAsLong(time));
        }
        return time;
    }

    /**
     * One thread started once and kept (the JVM's {@code Attach Listener}, started by {@code jcmd} or the doctor in
     * the middle of a clean soak phase) raised the thread floor by one for good, and a line through that single step
     * was called GROWING a minute later. A leak adds again and again; a count trend asks for steady steps.
     */
    @Test
    void countTrend_onePermanentStepUp_isStable_whileSteadyGrowthIsGrowing() {
        LeakMonitorTrend threads = LeakMonitorTrend.forCounts(Duration.ofMinutes(5).toMillis(), 12, 1.0, 0.95);
        LeakMonitorTrend leaking = LeakMonitorTrend.forCounts(Duration.ofMinutes(5).toMillis(), 12, 1.0, 0.95);
        long slot = Duration.ofMinutes(5).toMillis() / 12;
        for (int i = 0; i <= 12; i++) {
            for (long t = i * slot; t < (i + 1) * slot; t += 5_000) {
                threads.add(t, i < 6 ? 20 : 21);
                leaking.add(t, 20 + i);
            }
        }
        long now = 13 * slot;

        assertThat(threads.evaluate(now).verdict()).as(threads.evaluate(now).toString()).isEqualTo(Verdict.STABLE);
        assertThat(leaking.evaluate(now).verdict()).isEqualTo(Verdict.GROWING);
    }
}
