package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClassHistogramSeriesTest {

    private static final double[] AT = {0, 200, 400, 600, 800, 1_000};

    @Test
    void growsSteadily_linearGrowth_isSteady() {
        assertThat(ClassHistogramSeries.growsSteadily(new long[] {10, 210, 410, 610, 810, 1_010}, AT)).isTrue();
    }

    @Test
    void growsSteadily_cacheReachingItsBound_isNotSteady() {
        assertThat(ClassHistogramSeries.growsSteadily(new long[] {10, 210, 410, 500, 500, 500}, AT)).isFalse();
    }

    @Test
    void growsSteadily_growthFadingOut_isNotSteady() {
        assertThat(ClassHistogramSeries.growsSteadily(new long[] {0, 400, 600, 700, 750, 770}, AT)).isFalse();
    }

    @Test
    void growsSteadily_onePerCheckpointThenShrinking_isNotSteady() {
        assertThat(ClassHistogramSeries.growsSteadily(new long[] {5, 6, 7, 8, 9, 3}, AT)).isFalse();
    }

    @Test
    void steadilyGrowing_reportsPerIterationRatesFromRecordedHistograms() {
        ClassHistogramSeries series = new ClassHistogramSeries(3);
        series.prime(row("com.acme.Leak", 5, 120) + row("com.acme.Stable", 7, 112));
        series.record(0, row("com.acme.Leak", 5, 120) + row("com.acme.Stable", 7, 112));
        series.record(1, row("com.acme.Leak", 105, 2_520) + row("com.acme.Stable", 7, 112));
        series.record(2, row("com.acme.Leak", 205, 4_920) + row("com.acme.Stable", 7, 112));

        assertThat(series.steadilyGrowing(new double[] {0, 100, 200}))
                .containsExactly(new ClassGrowth("com.acme.Leak", 1.0, 24.0, 5, 205, 120, 4_920));
        assertThat(series.totalBytes(2)).isEqualTo(4_920 + 112);
    }

    private static String row(String className, long instances, long bytes) {
        return "   1:  " + instances + "  " + bytes + "  " + className + "\n";
    }
}
