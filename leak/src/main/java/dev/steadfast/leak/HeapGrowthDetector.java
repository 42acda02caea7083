package dev.steadfast.leak;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Tells whether an operation leaves memory behind each time it runs: runs it many times, samples the live heap
 * at checkpoints, fits bytes per iteration with a confidence interval, and names the classes that grow.
 *
 * <p>How it measures:
 * <ol>
 *   <li>The body runs {@linkplain Builder#warmupIterations(int) warm-up} iterations first, so lazy initialisation,
 *       class loading and caches that fill once do not count.</li>
 *   <li>At each of the {@linkplain Builder#checkpoints(int) checkpoints} (spread evenly over the measured
 *       {@linkplain Builder#iterations(int) iterations}, the first right after warm-up) it forces a confirmed
 *       collection and records the live bytes per class from a class histogram ({@link ClassHistogram}), plus the
 *       heap used reported by the {@link MemoryMXBean} for comparison.</li>
 *   <li>It fits a least-squares line through (iteration, live bytes) and its two-sided Student-t confidence
 *       interval at the {@linkplain Builder#confidenceLevel(double) confidence level}.</li>
 *   <li>Classes whose instance count (or size) rose in every interval, still as fast at the end, are reported with
 *       their count and bytes per iteration, and the same kind of line is fitted through their bytes added up.</li>
 *   <li>The operation is called growing only when the <em>lower</em> bound of either interval exceeds the
 *       {@linkplain Builder#thresholdBytesPerIteration(double) threshold}: noise alone does not fail a build. The
 *       live-heap line counts only if each half of the run grew at least half as fast as the whole: a one-time
 *       allocation or a cache filling to its bound during the measurement is not a leak.</li>
 * </ol>
 *
 * <p>Why two lines: the live-heap total sees every kind of growth (also an array growing in steps, which no class
 * count shows), but it also sees every other thread's objects come and go, kilobytes of noise between two
 * checkpoints. The growing classes' own bytes carry almost none of that noise, since a class must grow in every
 * single interval to be counted, so a leak of 16 bytes per iteration stays visible while another thread churns a
 * cache next to it.</p>
 *
 * <p>The live-bytes figure is the histogram's total, not the heap used: a histogram counts reachable objects
 * exactly, after a full collection, while heap used includes allocation buffers, region rounding and other
 * threads' floating garbage that can move by tens of kilobytes between two collections. That is what makes one
 * leaked 32-byte object per iteration visible over 1,000 iterations (32 KB). Without the {@code DiagnosticCommand}
 * MBean (non-HotSpot JVMs) the detector falls back to heap used, names no classes, and says so in
 * {@link HeapGrowthReport#warnings()}.
 *
 * <p>Immutable and thread-safe; one measurement at a time per JVM gives meaningful figures, since other threads
 * allocating and retaining objects show up in the heap too.
 *
 * <pre>{@code
 * HeapGrowthReport report = HeapGrowthDetector.builder()
 *         .iterations(1_000)
 *         .build()
 *         .measure(i -> service.handle(request(i)));
 * if (report.isGrowing()) {
 *     throw new AssertionError(report.toString());
 * }
 * }</pre>
 */
public final class HeapGrowthDetector {

    /** Iterations run before the first checkpoint. */
    public static final int DEFAULT_WARMUP_ITERATIONS = 200;
    /** Iterations measured between the first and the last checkpoint. */
    public static final int DEFAULT_ITERATIONS = 1_000;
    /** Live-heap samples taken over the measured iterations, first and last included. */
    public static final int DEFAULT_CHECKPOINTS = 8;
    /**
     * Growth tolerated per iteration: half the size of the smallest Java object (16 bytes), so that even one
     * {@code new Object()} kept per iteration is caught, while the measurement noise of a quiet JVM (about one byte
     * per iteration over 1,000 iterations) stays well below it.
     */
    public static final double DEFAULT_THRESHOLD_BYTES_PER_ITERATION = 8.0;
    /** Two-sided confidence level of the slope's interval. */
    public static final double DEFAULT_CONFIDENCE_LEVEL = 0.95;
    /** Time allowed for each forced collection. */
    public static final Duration DEFAULT_GC_TIMEOUT = Duration.ofSeconds(10);
    /** Fewest checkpoints that leave a degree of freedom for the confidence interval. */
    public static final int MIN_CHECKPOINTS = 3;

    private final int warmupIterations;
    private final int iterations;
    private final int checkpoints;
    private final double thresholdBytesPerIteration;
    private final double confidenceLevel;
    private final Duration gcTimeout;

    private HeapGrowthDetector(Builder builder) {
        this.warmupIterations = builder.warmupIterations;
        this.iterations = builder.iterations;
        this.checkpoints = builder.checkpoints;
        this.thresholdBytesPerIteration = builder.thresholdBytesPerIteration;
        this.confidenceLevel = builder.confidenceLevel;
        this.gcTimeout = builder.gcTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A detector with every {@code DEFAULT_*} setting. */
    public static HeapGrowthDetector ofDefaults() {
        return builder().build();
    }

    /** A builder starting from this detector's settings. */
    public Builder toBuilder() {
        return new Builder()
                .warmupIterations(warmupIterations)
                .iterations(iterations)
                .checkpoints(checkpoints)
                .thresholdBytesPerIteration(thresholdBytesPerIteration)
                .confidenceLevel(confidenceLevel)
                .gcTimeout(gcTimeout);
    }

    public int warmupIterations() {
        return warmupIterations;
    }

    public int iterations() {
        return iterations;
    }

    public int checkpoints() {
        return checkpoints;
    }

    public double thresholdBytesPerIteration() {
        return thresholdBytesPerIteration;
    }

    public double confidenceLevel() {
        return confidenceLevel;
    }

    public Duration gcTimeout() {
        return gcTimeout;
    }

    /**
     * Runs {@code iterationBody} {@code warmupIterations + iterations} times on the calling thread and reports
     * whether the live heap grew with the iterations.
     *
     * @param iterationBody the operation; receives the iteration number, counting from 0 including warm-up
     * @return the measurement, never null
     * @throws NullPointerException if the body is null
     * @throws RuntimeException whatever the body throws, unchanged; the measurement stops there
     */
    public HeapGrowthReport measure(IntConsumer iterationBody) {
        Objects.requireNonNull(iterationBody, "iterationBody");
        long startNanos = System.nanoTime();
        int[] measuredAt = checkpointIterations();
        HeapGrowthSampler sampler = new HeapGrowthSampler(checkpoints, gcTimeout);
        int iteration = 0;
        while (iteration < warmupIterations) {
            iterationBody.accept(iteration++);
        }
        sampler.prime();
        for (int checkpoint = 0; checkpoint < checkpoints; checkpoint++) {
            while (iteration < warmupIterations + measuredAt[checkpoint]) {
                iterationBody.accept(iteration++);
            }
            sampler.sample(checkpoint);
        }
        return analyse(sampler, measuredAt, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /** Iterations measured before each checkpoint: 0 for the first, {@code iterations} for the last. */
    int[] checkpointIterations() {
        int[] at = new int[checkpoints];
        for (int i = 0; i < checkpoints; i++) {
            at[i] = (int) Math.round((double) iterations * i / (checkpoints - 1));
        }
        return at;
    }

    private HeapGrowthReport analyse(HeapGrowthSampler sampler, int[] measuredAt, Duration elapsed) {
        double[] x = new double[checkpoints];
        double[] live = new double[checkpoints];
        double[] used = new double[checkpoints];
        List<HeapGrowthReport.Checkpoint> samples = new ArrayList<>(checkpoints);
        for (int i = 0; i < checkpoints; i++) {
            x[i] = measuredAt[i];
            live[i] = sampler.liveBytes(i);
            used[i] = sampler.heapUsedBytes(i);
            samples.add(new HeapGrowthReport.Checkpoint(measuredAt[i], sampler.liveBytes(i),
                    sampler.heapUsedBytes(i)));
        }
        HeapGrowthStatistics.LinearFit liveFit = HeapGrowthStatistics.fit(x, live, confidenceLevel);
        HeapGrowthStatistics.LinearFit usedFit = HeapGrowthStatistics.fit(x, used, confidenceLevel);
        List<ClassGrowth> classes = sampler.histograms()
                .map(series -> series.steadilyGrowing(x))
                .orElse(List.of());
        HeapGrowthStatistics.LinearFit classesFit = classes.isEmpty()
                ? null
                : HeapGrowthStatistics.fit(x, sampler.histograms().orElseThrow().summedBytes(classes, checkpoints),
                        confidenceLevel);
        return new HeapGrowthReport(this, liveFit, classesFit, usedFit.slope(), sampler.histograms().isPresent(),
                samples, classes, sampler.warnings(), elapsed);
    }

    /**
     * Settings for a {@link HeapGrowthDetector}. Each setter validates its value at once; {@link #build()} checks
     * the rules that involve several settings. A setting may be changed again before {@code build()}; the last
     * value wins.
     *
     * <pre>{@code
     * HeapGrowthDetector detector = HeapGrowthDetector.builder()
     *         .warmupIterations(500)
     *         .iterations(5_000)
     *         .thresholdBytesPerIteration(8)
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private int warmupIterations = DEFAULT_WARMUP_ITERATIONS;
        private int iterations = DEFAULT_ITERATIONS;
        private int checkpoints = DEFAULT_CHECKPOINTS;
        private double thresholdBytesPerIteration = DEFAULT_THRESHOLD_BYTES_PER_ITERATION;
        private double confidenceLevel = DEFAULT_CONFIDENCE_LEVEL;
        private Duration gcTimeout = DEFAULT_GC_TIMEOUT;

        private Builder() {
        }

        /**
         * Iterations run before measuring; default {@value HeapGrowthDetector#DEFAULT_WARMUP_ITERATIONS}.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder warmupIterations(int warmupIterations) {
            if (warmupIterations < 0) {
                throw new IllegalArgumentException("warmupIterations must not be negative: " + warmupIterations);
            }
            this.warmupIterations = warmupIterations;
            return this;
        }

        /**
         * Iterations measured; default {@value HeapGrowthDetector#DEFAULT_ITERATIONS}. More iterations detect
         * smaller leaks: the detectable growth per iteration shrinks in proportion.
         *
         * @throws IllegalArgumentException if less than 2
         * @see #build()
         */
        public Builder iterations(int iterations) {
            if (iterations < 2) {
                throw new IllegalArgumentException("iterations must be at least 2: " + iterations);
            }
            this.iterations = iterations;
            return this;
        }

        /**
         * Live-heap samples over the measured iterations; default {@value HeapGrowthDetector#DEFAULT_CHECKPOINTS},
         * at least {@value HeapGrowthDetector#MIN_CHECKPOINTS}. Each costs a few forced collections (tens of
         * milliseconds on a small heap).
         *
         * @throws IllegalArgumentException if less than {@value HeapGrowthDetector#MIN_CHECKPOINTS}
         */
        public Builder checkpoints(int checkpoints) {
            if (checkpoints < MIN_CHECKPOINTS) {
                throw new IllegalArgumentException("checkpoints must be at least " + MIN_CHECKPOINTS
                        + " (a confidence interval needs a spare degree of freedom): " + checkpoints);
            }
            this.checkpoints = checkpoints;
            return this;
        }

        /**
         * Growth per iteration tolerated; the report says growing only when the slope's lower confidence bound is
         * above it. Default {@value HeapGrowthDetector#DEFAULT_THRESHOLD_BYTES_PER_ITERATION}.
         *
         * @throws IllegalArgumentException if negative, infinite or NaN
         */
        public Builder thresholdBytesPerIteration(double thresholdBytesPerIteration) {
            this.thresholdBytesPerIteration =
                    HeapGrowthStatistics.requireThreshold("thresholdBytesPerIteration", thresholdBytesPerIteration);
            return this;
        }

        /**
         * Two-sided confidence level of the slope's interval; default
         * {@value HeapGrowthDetector#DEFAULT_CONFIDENCE_LEVEL}. Higher means fewer false alarms and less sensitivity.
         *
         * @throws IllegalArgumentException unless {@code 0.5 <= confidenceLevel < 1}
         */
        public Builder confidenceLevel(double confidenceLevel) {
            this.confidenceLevel = HeapGrowthStatistics.requireConfidenceLevel(confidenceLevel);
            return this;
        }

        /**
         * Time allowed for each forced collection; default 10 seconds. When a collection cannot be confirmed in
         * time the report carries a warning.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder gcTimeout(Duration gcTimeout) {
            Objects.requireNonNull(gcTimeout, "gcTimeout");
            if (gcTimeout.isZero() || gcTimeout.isNegative()) {
                throw new IllegalArgumentException("gcTimeout must be positive: " + gcTimeout);
            }
            this.gcTimeout = gcTimeout;
            return this;
        }

        /**
         * @throws IllegalStateException if {@code iterations < checkpoints - 1}: every interval between two
         *     checkpoints needs at least one iteration
         */
        public HeapGrowthDetector build() {
            if (iterations < checkpoints - 1) {
                throw new IllegalStateException("iterations (" + iterations + ") must be at least checkpoints - 1 ("
                        + (checkpoints - 1) + "): every interval between two checkpoints needs an iteration;"
                        + " raise iterations or lower checkpoints");
            }
            return new HeapGrowthDetector(this);
        }
    }

    /** The sampling side of a measurement, kept apart so that the body's loop stays free of bookkeeping. */
    private static final class HeapGrowthSampler {
        private final Duration gcTimeout;
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final long[] heapUsed;
        private final Optional<ClassHistogramSeries> histograms;
        // Sized up front: a warning added at a checkpoint would otherwise be one more retained object.
        private final List<String> warnings = new ArrayList<>(8);
        private boolean gcWarned;

        HeapGrowthSampler(int checkpoints, Duration gcTimeout) {
            this.gcTimeout = gcTimeout;
            this.heapUsed = new long[checkpoints];
            Optional<String> unavailable = ClassHistogram.unavailableReason();
            unavailable.ifPresent(reason -> warnings.add("class histograms unavailable, " + reason
                    + "; live heap is taken from MemoryMXBean heap used (less precise) and no class is named"));
            this.histograms = unavailable.isPresent()
                    ? Optional.empty()
                    : Optional.of(new ClassHistogramSeries(checkpoints));
        }

        /**
         * Runs the sampling path once before the first checkpoint, so that its one-time allocations (classes
         * loaded, MBean plumbing, per-class tables) do not look like growth at the second checkpoint.
         */
        void prime() {
            collect();
            memory.getHeapMemoryUsage();
            histograms.ifPresent(series -> series.prime(ClassHistogram.captureText()));
        }

        void sample(int checkpoint) {
            collect();
            heapUsed[checkpoint] = memory.getHeapMemoryUsage().getUsed();
            histograms.ifPresent(series -> series.record(checkpoint, ClassHistogram.captureText()));
        }

        private void collect() {
            if (!ForcedGc.collect(gcTimeout) && !gcWarned) {
                gcWarned = true;
                warnings.add("a forced collection could not be confirmed within " + gcTimeout
                        + " (is -XX:+DisableExplicitGC set?); live heap may include garbage");
            }
        }

        long liveBytes(int checkpoint) {
            return histograms.map(series -> series.totalBytes(checkpoint)).orElse(heapUsed[checkpoint]);
        }

        long heapUsedBytes(int checkpoint) {
            return heapUsed[checkpoint];
        }

        Optional<ClassHistogramSeries> histograms() {
            return histograms;
        }

        List<String> warnings() {
            return warnings;
        }
    }
}
