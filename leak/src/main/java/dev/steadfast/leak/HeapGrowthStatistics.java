package dev.steadfast.leak;

/**
 * Least-squares line fit with a Student-t confidence interval on the slope, and the growth verdict, shared by the
 * heap-growth detector, the production monitor and the out-of-process {@link ClassHistogramTrend}.
 *
 * <p>The t quantile is computed from the regularized incomplete beta function, so no statistics library is needed
 * for two dozen lines of well-known numerics.
 *
 * <pre>{@code
 * HeapGrowthStatistics.LinearFit fit = HeapGrowthStatistics.fit(iterations, liveBytes, 0.95);
 * boolean growing = fit.lowerBound() > thresholdBytesPerIteration;
 * }</pre>
 */
final class HeapGrowthStatistics {

    private static final double[] LANCZOS = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    };
    private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
    private static final int CONTINUED_FRACTION_STEPS = 300;
    private static final double EPSILON = 1e-15;
    private static final double TINY = 1e-300;

    private HeapGrowthStatistics() {
    }

    /** Validates a two-sided confidence level as both builders accept it. */
    static double requireConfidenceLevel(double confidenceLevel) {
        if (!(confidenceLevel >= 0.5 && confidenceLevel < 1)) {
            throw new IllegalArgumentException("confidenceLevel must be at least 0.5 and below 1: " + confidenceLevel);
        }
        return confidenceLevel;
    }

    /** Validates a growth threshold: a finite number, zero or more. */
    static double requireThreshold(String name, double threshold) {
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0: " + threshold);
        }
        return threshold;
    }

    /**
     * Whether growth is spread over the run: a leak adds about as much in each half; a one-time allocation or a cache
     * filling to its bound puts all its growth in one half, which a straight line through the points would still
     * call significant.
     */
    static boolean isSustained(double slope, double firstHalfSlope, double secondHalfSlope) {
        return firstHalfSlope >= slope / 2 && secondHalfSlope >= slope / 2;
    }

    /**
     * The verdict of the heap-growth detector and of the doctor: growing when the lower confidence bound of the
     * growing classes' summed bytes, or of the live heap (if its growth is sustained), is above the threshold.
     *
     * @param classesFit fit through the growing classes' bytes added up, null when no class grows
     */
    static boolean isGrowing(LinearFit liveFit, boolean liveGrowthSustained, LinearFit classesFit, double threshold) {
        return liveFit.lowerBound() > threshold && liveGrowthSustained
                || classesFit != null && classesFit.lowerBound() > threshold;
    }

    /**
     * A fitted line {@code y = intercept + slope * x} and the two-sided confidence interval of its slope.
     *
     * @param slope least-squares slope
     * @param intercept value of the line at {@code x = 0}
     * @param standardError standard error of the slope ({@code 0} when the points lie exactly on the line)
     * @param lowerBound lower end of the slope's confidence interval
     * @param upperBound upper end of the slope's confidence interval
     * @param points number of points fitted
     */
    record LinearFit(double slope, double intercept, double standardError, double lowerBound, double upperBound,
            int points) {
    }

    /**
     * Fits a line through the points by ordinary least squares.
     *
     * @param x abscissae, at least three, not all equal
     * @param y ordinates, same length as {@code x}
     * @param confidenceLevel two-sided confidence level of the interval, in (0, 1)
     */
    static LinearFit fit(double[] x, double[] y, double confidenceLevel) {
        int n = x.length;
        if (n != y.length || n < 3) {
            throw new IllegalArgumentException("need at least 3 points with as many x as y: " + n + " x, "
                    + y.length + " y");
        }
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < n; i++) {
            meanX += x[i];
            meanY += y[i];
        }
        meanX /= n;
        meanY /= n;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - meanX;
            sxx += dx * dx;
            sxy += dx * (y[i] - meanY);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("all " + n + " points have the same x: " + x[0]);
        }
        double slope = sxy / sxx;
        double intercept = meanY - slope * meanX;
        double residualSquares = 0;
        for (int i = 0; i < n; i++) {
            double residual = y[i] - (intercept + slope * x[i]);
            residualSquares += residual * residual;
        }
        double standardError = Math.sqrt(residualSquares / (n - 2) / sxx);
        double halfWidth = studentTQuantile((1 + confidenceLevel) / 2, n - 2) * standardError;
        return new LinearFit(slope, intercept, standardError, slope - halfWidth, slope + halfWidth, n);
    }

    /**
     * Lower confidence bound of the mean step between consecutive values: a leak adds about the same in each interval,
     * while a count that wanders like a random walk (a cache with random puts and removes) rises in several intervals
     * in a row by chance far more often than values that scatter independently, but by steps as uneven as its moves.
     *
     * @param values at least three
     * @return the mean step itself when every step is the same
     */
    static double meanStepLowerBound(double[] values, double confidenceLevel) {
        int steps = values.length - 1;
        if (steps < 2) {
            throw new IllegalArgumentException("need at least 3 values: " + values.length);
        }
        double mean = (values[steps] - values[0]) / steps;
        double squares = 0;
        for (int i = 1; i <= steps; i++) {
            double deviation = values[i] - values[i - 1] - mean;
            squares += deviation * deviation;
        }
        double standardError = Math.sqrt(squares / (steps - 1) / steps);
        return mean - studentTQuantile((1 + confidenceLevel) / 2, steps - 1) * standardError;
    }

    /** The {@code p}-quantile of Student's t distribution with {@code degreesOfFreedom}, for p in [0.5, 1). */
    static double studentTQuantile(double p, int degreesOfFreedom) {
        if (!(p >= 0.5 && p < 1) || degreesOfFreedom < 1) {
            throw new IllegalArgumentException("need 0.5 <= p < 1 and degreesOfFreedom >= 1: p=" + p
                    + ", degreesOfFreedom=" + degreesOfFreedom);
        }
        double low = 0;
        double high = 1;
        while (studentTCdf(high, degreesOfFreedom) < p) {
            high *= 2;
        }
        // The CDF is monotone, so bisection converges without the care Newton's method would need in the tails.
        for (int i = 0; i < 200 && high - low > 1e-12 * high; i++) {
            double middle = (low + high) / 2;
            if (studentTCdf(middle, degreesOfFreedom) < p) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return (low + high) / 2;
    }

    static double studentTCdf(double t, int degreesOfFreedom) {
        double v = degreesOfFreedom;
        double tail = 0.5 * regularizedIncompleteBeta(v / (v + t * t), v / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    static double regularizedIncompleteBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x)
                + b * Math.log1p(-x));
        // The continued fraction converges quickly only on this side of the mean; use symmetry on the other.
        if (x < (a + 1) / (a + b + 2)) {
            return front * betaContinuedFraction(x, a, b) / a;
        }
        return 1 - front * betaContinuedFraction(1 - x, b, a) / b;
    }

    /** Modified Lentz evaluation of the incomplete beta continued fraction. */
    private static double betaContinuedFraction(double x, double a, double b) {
        double c = 1;
        double d = nonZero(1 - (a + b) * x / (a + 1));
        d = 1 / d;
        double result = d;
        for (int m = 1; m <= CONTINUED_FRACTION_STEPS; m++) {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 / nonZero(1 + even * d);
            c = nonZero(1 + even / c);
            result *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 / nonZero(1 + odd * d);
            c = nonZero(1 + odd / c);
            double step = d * c;
            result *= step;
            if (Math.abs(step - 1) < EPSILON) {
                break;
            }
        }
        return result;
    }

    private static double nonZero(double value) {
        return Math.abs(value) < TINY ? TINY : value;
    }

    /** Lanczos approximation (g = 7), accurate to about 15 digits for the positive arguments used here. */
    static double logGamma(double x) {
        double shifted = x - 1;
        double sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (shifted + i);
        }
        double t = shifted + 7.5;
        return HALF_LOG_TWO_PI + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
