package dev.steadfast.leak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Growth over wall-clock time of a JVM's live objects per class, from class histograms taken at intervals: the
 * statistics of {@link HeapGrowthDetector} (least-squares slopes with Student-t confidence bounds, classes that grow
 * in every interval, the same verdict rule) with minutes instead of iterations on the x axis. The histograms may
 * come from any JVM, for example through {@link ClassHistogram#captureText(javax.management.MBeanServerConnection,
 * boolean)}; this is the engine of {@code steadfast doctor leaks}.
 *
 * <p>Other named counts can be followed the same way ({@link #addCounts}): the doctor follows threads per name
 * pattern ({@code pool-*-thread-*}) with a trend of their own.
 *
 * <p>Not thread-safe: one sampler adds, then evaluates. Memory is bounded by {@code maxSamples} times the number of
 * distinct names seen.
 *
 * <pre>{@code
 * ClassHistogramTrend trend = ClassHistogramTrend.of(13, ClassHistogramTrend.DEFAULT_THRESHOLD_BYTES_PER_MINUTE);
 * long start = System.nanoTime();
 * for (int i = 0; i < 13; i++) {
 *     trend.add(Duration.ofNanos(System.nanoTime() - start), ClassHistogram.captureText(connection, true));
 *     if (trend.samples() >= ClassHistogramTrend.MIN_SAMPLES) {
 *         System.out.println(trend.evaluate().isGrowing());
 *     }
 *     Thread.sleep(10_000);
 * }
 * }</pre>
 */
public final class ClassHistogramTrend {

    /**
     * Fewest samples a verdict is given on. Three would leave a degree of freedom for the confidence interval, but a
     * small count that wanders (a cached pool's threads: 1, 2, 3) lies exactly on a line often enough to be called
     * growth, and any wandering value rises in every one of n-1 intervals by chance once in n! runs: 1 in 6 with
     * three samples, 1 in 120 with five.
     */
    public static final int MIN_SAMPLES = 5;
    /**
     * Growth tolerated per minute: one kilobyte. A quiet JVM's live histogram moves by a few hundred bytes between
     * two full collections, and a class must also grow in every interval to be named, so a leak of a few bytes per
     * second is above it while a cache that settles is not.
     */
    public static final double DEFAULT_THRESHOLD_BYTES_PER_MINUTE = 1024;
    /**
     * Two-sided level of every confidence interval of a trend. Higher than the in-process detector's
     * ({@value HeapGrowthDetector#DEFAULT_CONFIDENCE_LEVEL}): a whole busy JVM sampled over wall-clock time is far
     * noisier than one test's iterations, its live heap wanders rather than scattering independently, and the verdict
     * is looked at after every sample. Measured on a healthy busy target (240 histograms at 0.5 s, every window of 13
     * samples at 0.5 to 2 s): at 95% the live heap alone was called growing in up to 8% of windows, at 99.99% in none,
     * while a 1 KB/s leak was still found in every window.
     */
    public static final double CONFIDENCE_LEVEL = 0.9999;
    /**
     * Highest chance, accepted for a verdict, that some class rose in every interval by chance. With {@code k} classes
     * whose counts changed in every one of the intervals between {@code n} samples, that chance is at most
     * {@code k / n!} (a count that scatters independently is ordered upwards in one of {@code n!} equally likely
     * orders), so a verdict from rising classes waits for enough samples: five with one such class, six with up to
     * seven, seven with up to fifty. Rises must also come in steady steps
     * ({@link HeapGrowthStatistics#meanStepLowerBound}), which is what rules out a count that wanders like a random
     * walk; the two together called no growth in any of 2,748 windows recorded from two healthy busy JVMs.
     */
    public static final double CHANCE_RISE_TOLERATED = 0.01;

    private static final double NANOS_PER_MINUTE = 60e9;

    private final ClassHistogramSeries series;
    private final double[] minutes;
    private final double thresholdPerMinute;
    private final double confidenceLevel;
    private int samples;

    private ClassHistogramTrend(int maxSamples, double thresholdPerMinute, double confidenceLevel) {
        this.series = new ClassHistogramSeries(maxSamples);
        this.minutes = new double[maxSamples];
        this.thresholdPerMinute = thresholdPerMinute;
        this.confidenceLevel = confidenceLevel;
    }

    /**
     * A trend at {@value #CONFIDENCE_LEVEL}.
     *
     * @param maxSamples how many samples it can hold, at least {@value #MIN_SAMPLES}
     * @param thresholdPerMinute growth tolerated per minute (bytes for histograms, count for {@link #addCounts}); the
     *                           verdict is growing only when a slope's lower confidence bound is above it
     * @throws IllegalArgumentException if {@code maxSamples < MIN_SAMPLES} or the threshold is negative or not finite
     */
    public static ClassHistogramTrend of(int maxSamples, double thresholdPerMinute) {
        if (maxSamples < MIN_SAMPLES) {
            throw new IllegalArgumentException("maxSamples must be at least " + MIN_SAMPLES
                    + " (a confidence interval needs a spare degree of freedom): " + maxSamples);
        }
        return new ClassHistogramTrend(maxSamples,
                HeapGrowthStatistics.requireThreshold("thresholdPerMinute", thresholdPerMinute),
                CONFIDENCE_LEVEL);
    }

    /**
     * Adds one histogram, as {@code jcmd GC.class_histogram} prints it.
     *
     * @param sinceStart when it was taken, counted from any fixed start; later than the previous sample
     * @throws IllegalStateException if {@code maxSamples} samples were already added
     * @throws IllegalArgumentException if {@code sinceStart} is not after the previous sample's
     */
    public void add(Duration sinceStart, String histogramText) {
        Objects.requireNonNull(histogramText, "histogramText");
        series.record(next(sinceStart), histogramText);
        samples++;
    }

    /**
     * Adds one sample of named counts with no size (threads per name pattern, say): a name growing in every interval
     * is reported like a growing class, with zero bytes.
     *
     * @see #add(Duration, String)
     */
    public void addCounts(Duration sinceStart, Map<String, Long> counts) {
        Objects.requireNonNull(counts, "counts");
        series.recordCounts(next(sinceStart), counts);
        samples++;
    }

    private int next(Duration sinceStart) {
        Objects.requireNonNull(sinceStart, "sinceStart");
        if (samples == minutes.length) {
            throw new IllegalStateException("the trend holds " + minutes.length + " samples and is full");
        }
        double at = sinceStart.toNanos() / NANOS_PER_MINUTE;
        if (samples > 0 && at <= minutes[samples - 1]) {
            throw new IllegalArgumentException("sample " + samples + " at " + sinceStart
                    + " is not after the previous one");
        }
        minutes[samples] = at;
        return samples;
    }

    /** @return samples added so far */
    public int samples() {
        return samples;
    }

    /**
     * The verdict over the samples added so far.
     *
     * @throws IllegalStateException with fewer than {@value #MIN_SAMPLES} samples
     */
    public Evaluation evaluate() {
        if (samples < MIN_SAMPLES) {
            throw new IllegalStateException("a trend needs at least " + MIN_SAMPLES + " samples: " + samples);
        }
        double[] x = Arrays.copyOf(minutes, samples);
        double[] live = new double[samples];
        for (int i = 0; i < samples; i++) {
            live[i] = series.totalBytes(i);
        }
        HeapGrowthStatistics.LinearFit liveFit = HeapGrowthStatistics.fit(x, live, confidenceLevel);
        int middle = (samples - 1) / 2;
        // Sustained also means by steady steps: a heap whose size wanders with a cache's random puts and removes is
        // a random walk, and a line fitted through a random walk looks significant far more often than its level.
        boolean sustained = HeapGrowthStatistics.isSustained(liveFit.slope(),
                (live[middle] - live[0]) / (x[middle] - x[0]),
                (live[samples - 1] - live[middle]) / (x[samples - 1] - x[middle]))
                && HeapGrowthStatistics.meanStepLowerBound(live, confidenceLevel) > 0;
        List<ClassGrowth> rising = series.steadilyGrowing(x, false);
        int changing = series.changingInEveryInterval(samples);
        boolean chanceRuledOut = chanceOfRise(changing, samples) <= CHANCE_RISE_TOLERATED;
        List<ClassGrowth> confirmed = new ArrayList<>(rising.size());
        List<Growth> unconfirmed = new ArrayList<>();
        for (ClassGrowth growth : rising) {
            double[] counts = series.column(growth.className(), samples, false);
            if (chanceRuledOut && HeapGrowthStatistics.meanStepLowerBound(counts, confidenceLevel) > 0) {
                confirmed.add(growth);
            } else {
                unconfirmed.add(growth(x, growth, bytesFit(x, growth)));
            }
        }
        HeapGrowthStatistics.LinearFit classesFit = confirmed.isEmpty()
                ? null : HeapGrowthStatistics.fit(x, series.summedBytes(confirmed, samples), confidenceLevel);
        HeapGrowthStatistics.LinearFit countsFit = confirmed.isEmpty()
                ? null : HeapGrowthStatistics.fit(x, series.summedInstances(confirmed, samples), confidenceLevel);
        List<Growth> growing = new ArrayList<>(confirmed.size());
        // The classes' evidence is the surest of their summed bytes and each one's own: a leaking class's steady bytes
        // must not be drowned by the noise of a busy class (byte[]) that also rose in every interval.
        HeapGrowthStatistics.LinearFit strongest = classesFit;
        for (ClassGrowth growth : confirmed) {
            HeapGrowthStatistics.LinearFit bytes = bytesFit(x, growth);
            if (bytes.lowerBound() > strongest.lowerBound()) {
                strongest = bytes;
            }
            growing.add(growth(x, growth, bytes));
        }
        boolean verdict = HeapGrowthStatistics.isGrowing(liveFit, sustained, strongest, thresholdPerMinute)
                || countsFit != null && liveFit.slope() == 0 && countsFit.lowerBound() > thresholdPerMinute;
        return new Evaluation(verdict, slope(liveFit), sustained,
                Optional.ofNullable(classesFit).map(ClassHistogramTrend::slope),
                Optional.ofNullable(countsFit).map(ClassHistogramTrend::slope), growing, unconfirmed, changing,
                samples, Duration.ofNanos(Math.round((x[samples - 1] - x[0]) * NANOS_PER_MINUTE)),
                thresholdPerMinute, confidenceLevel);
    }

    private HeapGrowthStatistics.LinearFit bytesFit(double[] x, ClassGrowth growth) {
        return HeapGrowthStatistics.fit(x, series.column(growth.className(), x.length, true), confidenceLevel);
    }

    private Growth growth(double[] x, ClassGrowth growth, HeapGrowthStatistics.LinearFit bytes) {
        return new Growth(growth.className(),
                slope(HeapGrowthStatistics.fit(x, series.column(growth.className(), x.length, false),
                        confidenceLevel)),
                slope(bytes), growth.instancesAtStart(), growth.instancesAtEnd(), growth.bytesAtStart(),
                growth.bytesAtEnd());
    }

    /** At most {@code changing / samples!}: the chance that one of the changing counts rose in every interval. */
    static double chanceOfRise(int changing, int samples) {
        double chance = changing;
        for (int i = 2; i <= samples && chance > 0; i++) {
            chance /= i;
        }
        return Math.min(1, chance);
    }

    private static Slope slope(HeapGrowthStatistics.LinearFit fit) {
        return new Slope(fit.slope(), fit.lowerBound(), fit.upperBound());
    }

    /**
     * A growth rate per minute and its two-sided confidence interval.
     *
     * <pre>{@code
     * Slope s = evaluation.liveBytes();
     * System.out.printf("%.0f B/min (%.0f .. %.0f)%n", s.perMinute(), s.lowerPerMinute(), s.upperPerMinute());
     * }</pre>
     *
     * @param perMinute least-squares slope per minute
     * @param lowerPerMinute lower bound of its confidence interval
     * @param upperPerMinute upper bound of its confidence interval
     */
    public record Slope(double perMinute, double lowerPerMinute, double upperPerMinute) {
    }

    /**
     * One class (or counted name) that grew in every interval.
     *
     * <pre>{@code
     * for (Growth g : evaluation.growing()) {
     *     System.out.println(g.name() + " +" + g.bytes().perMinute() + " B/min");
     * }
     * }</pre>
     *
     * @param name class name as in source, or the counted name
     * @param instances instances (or count) per minute
     * @param bytes shallow bytes per minute (zero for counts)
     * @param instancesAtStart at the first sample
     * @param instancesAtEnd at the last sample
     * @param bytesAtStart at the first sample
     * @param bytesAtEnd at the last sample
     */
    public record Growth(String name, Slope instances, Slope bytes, long instancesAtStart, long instancesAtEnd,
            long bytesAtStart, long bytesAtEnd) {
    }

    /**
     * The state of a trend at one moment.
     *
     * <pre>{@code
     * Evaluation e = trend.evaluate();
     * if (e.isGrowing()) {
     *     e.growing().forEach(System.out::println);
     * }
     * }</pre>
     *
     * @param isGrowing the verdict: the growing classes' summed bytes or one growing class's bytes, or the live
     *                  heap (when its growth is spread over the run), or for counts the growing names' summed count,
     *                  rise faster than the threshold at the lower confidence bound
     * @param liveBytes slope of the histogram's total bytes
     * @param liveGrowthSustained whether each half of the run grew at least half as fast as the whole, by steps whose
     *                            mean is above zero at the confidence level
     * @param growingBytes slope of the growing classes' bytes added up, when any grows
     * @param growingCount slope of the growing names' instances (counts) added up, when any grows
     * @param growing the classes or names whose count grew in every interval by steps whose mean is above zero at
     *                the confidence level, once {@link #chanceRuledOut()}: they count towards the verdict; largest
     *                byte growth first
     * @param unconfirmed classes or names whose count also grew in every interval, but too few samples were taken
     *                    to rule out chance, or by steps too uneven to tell from a count that wanders (a cache with
     *                    random puts and removes): reported, not counted
     * @param changing how many classes or names had a count that changed in every interval: the ones that could
     *                 have risen in every interval by chance
     * @param samples samples evaluated
     * @param span time from the first to the last sample
     * @param thresholdPerMinute growth tolerated per minute
     * @param confidenceLevel two-sided level of every interval
     */
    public record Evaluation(boolean isGrowing, Slope liveBytes, boolean liveGrowthSustained,
            Optional<Slope> growingBytes, Optional<Slope> growingCount, List<Growth> growing, List<Growth> unconfirmed,
            int changing, int samples, Duration span, double thresholdPerMinute, double confidenceLevel) {

        /** Copies the lists. */
        public Evaluation {
            growing = List.copyOf(growing);
            unconfirmed = List.copyOf(unconfirmed);
        }

        /**
         * Whether so many samples were taken that a rise in every interval is unlikely to be chance: with
         * {@link #changing()} wandering counts, the chance that one rose in every interval is at most
         * {@value #CHANCE_RISE_TOLERATED}.
         */
        public boolean chanceRuledOut() {
            return chanceOfRise(changing, samples) <= CHANCE_RISE_TOLERATED;
        }

        /** The fewest samples with which a rise in every interval would be confirmed, with as many changing counts. */
        public int samplesToConfirm() {
            int n = MIN_SAMPLES;
            while (chanceOfRise(changing, n) > CHANCE_RISE_TOLERATED) {
                n++;
            }
            return n;
        }
    }
}
