package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HeapGrowthStatisticsTest {

    @Test
    void studentTQuantile_matchesPublishedTables() {
        assertThat(HeapGrowthStatistics.studentTQuantile(0.975, 1)).isCloseTo(12.706, within(0.001));
        assertThat(HeapGrowthStatistics.studentTQuantile(0.975, 3)).isCloseTo(3.182, within(0.001));
        assertThat(HeapGrowthStatistics.studentTQuantile(0.975, 10)).isCloseTo(2.228, within(0.001));
        assertThat(HeapGrowthStatistics.studentTQuantile(0.995, 6)).isCloseTo(3.707, within(0.001));
        assertThat(HeapGrowthStatistics.studentTQuantile(0.95, 120)).isCloseTo(1.658, within(0.001));
        assertThat(HeapGrowthStatistics.studentTQuantile(0.5, 5)).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void fit_pointsOnALine_slopeExactAndIntervalCollapsed() {
        HeapGrowthStatistics.LinearFit fit = HeapGrowthStatistics.fit(
                new double[] {0, 100, 200, 300}, new double[] {1_000, 4_200, 7_400, 10_600}, 0.95);

        assertThat(fit.slope()).isCloseTo(32.0, within(1e-9));
        assertThat(fit.intercept()).isCloseTo(1_000.0, within(1e-6));
        assertThat(fit.lowerBound()).isCloseTo(32.0, within(1e-9));
        assertThat(fit.upperBound()).isCloseTo(32.0, within(1e-9));
    }

    @Test
    void fit_noisyPoints_intervalMatchesHandComputation() {
        // y = 2x + residuals (+1, -1, -1, +1): Sxx = 5, SSR = 4, se = sqrt(4 / 2 / 5), t(0.975, 2) = 4.303
        HeapGrowthStatistics.LinearFit fit = HeapGrowthStatistics.fit(
                new double[] {0, 1, 2, 3}, new double[] {1, 1, 3, 7}, 0.95);

        assertThat(fit.slope()).isCloseTo(2.0, within(1e-9));
        assertThat(fit.standardError()).isCloseTo(Math.sqrt(0.4), within(1e-9));
        assertThat(fit.lowerBound()).isCloseTo(2.0 - 4.303 * Math.sqrt(0.4), within(0.001));
        assertThat(fit.upperBound()).isCloseTo(2.0 + 4.303 * Math.sqrt(0.4), within(0.001));
    }
}
