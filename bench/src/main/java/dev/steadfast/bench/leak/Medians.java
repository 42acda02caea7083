package dev.steadfast.bench.leak;

import java.util.Arrays;

/**
 * Order statistics for benchmark samples (the machine is shared, so medians, not means).
 *
 * <pre>{@code
 * double median = Medians.of(new double[] {3, 1, 2}); // 2
 * }</pre>
 */
public final class Medians {

    private Medians() {
    }

    /** @return the median of {@code samples} (not modified); NaN if empty */
    public static double of(double[] samples) {
        return quantile(samples, 0.5);
    }

    /** @return the {@code q}-quantile (nearest rank) of {@code samples} (not modified); NaN if empty */
    public static double quantile(double[] samples, double q) {
        if (samples.length == 0) {
            return Double.NaN;
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
