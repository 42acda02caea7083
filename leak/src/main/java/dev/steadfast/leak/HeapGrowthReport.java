package dev.steadfast.leak;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of one {@link HeapGrowthDetector#measure} run: whether the live heap grew with the iterations, by how
 * much (with the confidence interval), and which classes grew.
 *
 * <p>Immutable. {@link #toString()} is the readable block a failing test should print.
 *
 * <pre>{@code
 * HeapGrowthReport report = detector.measure(i -> cache.get(key(i)));
 * assertThat(report.isGrowing()).as(report.toString()).isFalse();
 * }</pre>
 */
public final class HeapGrowthReport {

    private final boolean growing;
    private final double bytesPerIteration;
    private final double lowerBound;
    private final double upperBound;
    private final double firstHalfBytesPerIteration;
    private final double secondHalfBytesPerIteration;
    private final boolean liveGrowthSustained;
    private final double classesBytesPerIteration;
    private final double classesLowerBound;
    private final double classesUpperBound;
    private final double heapUsedBytesPerIteration;
    private final double confidenceLevel;
    private final double thresholdBytesPerIteration;
    private final int warmupIterations;
    private final int iterations;
    private final boolean fromClassHistograms;
    private final List<Checkpoint> checkpoints;
    private final List<ClassGrowth> growingClasses;
    private final List<String> warnings;
    private final Duration elapsed;

    /**
     * One live-heap sample.
     *
     * <pre>{@code
     * report.checkpoints().forEach(c -> System.out.println(c.iteration() + "\t" + c.liveBytes()));   // plot it
     * }</pre>
     *
     * @param iteration measured iterations completed before the sample (0 for the first)
     * @param liveBytes live bytes: the class histogram's total, or heap used when histograms are unavailable
     * @param heapUsedBytes heap used after a forced collection, per {@code MemoryMXBean}
     */
    public record Checkpoint(int iteration, long liveBytes, long heapUsedBytes) {
    }

    /** @param classesFit fit through the growing classes' bytes added up, null when no class grows */
    HeapGrowthReport(HeapGrowthDetector settings, HeapGrowthStatistics.LinearFit liveFit,
            HeapGrowthStatistics.LinearFit classesFit, double heapUsedBytesPerIteration, boolean fromClassHistograms,
            List<Checkpoint> checkpoints, List<ClassGrowth> growingClasses, List<String> warnings, Duration elapsed) {
        this.thresholdBytesPerIteration = settings.thresholdBytesPerIteration();
        this.confidenceLevel = settings.confidenceLevel();
        this.warmupIterations = settings.warmupIterations();
        this.iterations = settings.iterations();
        this.bytesPerIteration = liveFit.slope();
        this.lowerBound = liveFit.lowerBound();
        this.upperBound = liveFit.upperBound();
        this.classesBytesPerIteration = classesFit == null ? Double.NaN : classesFit.slope();
        this.classesLowerBound = classesFit == null ? Double.NaN : classesFit.lowerBound();
        this.classesUpperBound = classesFit == null ? Double.NaN : classesFit.upperBound();
        int last = checkpoints.size() - 1;
        int middle = last / 2;
        this.firstHalfBytesPerIteration = rate(checkpoints.get(0), checkpoints.get(middle));
        this.secondHalfBytesPerIteration = rate(checkpoints.get(middle), checkpoints.get(last));
        this.liveGrowthSustained = HeapGrowthStatistics.isSustained(bytesPerIteration, firstHalfBytesPerIteration,
                secondHalfBytesPerIteration);
        this.growing = HeapGrowthStatistics.isGrowing(liveFit, liveGrowthSustained, classesFit,
                thresholdBytesPerIteration);
        this.heapUsedBytesPerIteration = heapUsedBytesPerIteration;
        this.fromClassHistograms = fromClassHistograms;
        this.checkpoints = List.copyOf(checkpoints);
        this.growingClasses = List.copyOf(growingClasses);
        this.warnings = List.copyOf(warnings);
        this.elapsed = elapsed;
    }

    /**
     * True when the growing classes' bytes, or the live heap, grow faster than the threshold: the lower bound of the
     * confidence interval is above it. For the live heap, the growth must also be spread over the run: each half of
     * the measured iterations must grow at least half as fast as the whole (see {@link #firstHalfBytesPerIteration()}).
     */
    public boolean isGrowing() {
        return growing;
    }

    /** Least-squares estimate of live bytes added per iteration (negative when the heap shrank). */
    public double bytesPerIteration() {
        return bytesPerIteration;
    }

    /** Lower end of the {@link #confidenceLevel()} interval of {@link #bytesPerIteration()}. */
    public double lowerBoundBytesPerIteration() {
        return lowerBound;
    }

    /** Upper end of the {@link #confidenceLevel()} interval of {@link #bytesPerIteration()}. */
    public double upperBoundBytesPerIteration() {
        return upperBound;
    }

    /** Live-heap growth per iteration between the first and the middle checkpoint. */
    public double firstHalfBytesPerIteration() {
        return firstHalfBytesPerIteration;
    }

    /** Live-heap growth per iteration between the middle and the last checkpoint. */
    public double secondHalfBytesPerIteration() {
        return secondHalfBytesPerIteration;
    }

    /**
     * Bytes per iteration of the {@linkplain #growingClasses() growing classes} added up: the growth the class
     * histograms attribute to them, with much less noise than the live-heap total. NaN when no class grows.
     */
    public double growingClassesBytesPerIteration() {
        return classesBytesPerIteration;
    }

    /** Lower end of the confidence interval of {@link #growingClassesBytesPerIteration()}; NaN when no class grows. */
    public double growingClassesLowerBoundBytesPerIteration() {
        return classesLowerBound;
    }

    /** Upper end of the confidence interval of {@link #growingClassesBytesPerIteration()}; NaN when no class grows. */
    public double growingClassesUpperBoundBytesPerIteration() {
        return classesUpperBound;
    }

    /**
     * Slope of heap used (MemoryMXBean) after forced collections, for comparison: coarser than
     * {@link #bytesPerIteration()} when class histograms are available.
     */
    public double heapUsedBytesPerIteration() {
        return heapUsedBytesPerIteration;
    }

    public double confidenceLevel() {
        return confidenceLevel;
    }

    public double thresholdBytesPerIteration() {
        return thresholdBytesPerIteration;
    }

    public int warmupIterations() {
        return warmupIterations;
    }

    public int iterations() {
        return iterations;
    }

    /** The samples the fit went through, in order. */
    public List<Checkpoint> checkpoints() {
        return checkpoints;
    }

    /**
     * Classes whose instance count (or size) rose in every interval between checkpoints, largest byte growth first.
     * Listed even when the total stays under the threshold, so a slow leak can be seen before it fails a build.
     */
    public List<ClassGrowth> growingClasses() {
        return growingClasses;
    }

    /** What limited the measurement (no class histograms, a collection that could not be confirmed); empty if none. */
    public List<String> warnings() {
        return warnings;
    }

    /** Wall-clock time of the whole measurement, body and sampling. */
    public Duration elapsed() {
        return elapsed;
    }

    @Override
    public String toString() {
        String n = System.lineSeparator();
        StringBuilder text = new StringBuilder();
        text.append(growing ? "Heap GROWS with the iterations: " : "No heap growth: ")
                .append(format("live heap %.1f bytes/iteration (%.0f%% confidence %.1f .. %.1f), threshold %.1f",
                        bytesPerIteration, confidenceLevel * 100, lowerBound, upperBound, thresholdBytesPerIteration))
                .append(n);
        if (lowerBound > thresholdBytesPerIteration && !liveGrowthSustained) {
            text.append(format("  the live heap rose unevenly (%.1f bytes/iteration in the first half, %.1f in the"
                    + " second): a one-time allocation or a cache filling up, not counted as growth;"
                    + " raise warmupIterations if it should have settled before measuring",
                    firstHalfBytesPerIteration, secondHalfBytesPerIteration)).append(n);
        }
        if (!growingClasses.isEmpty()) {
            text.append(format("  growing classes together: %.1f bytes/iteration (%.1f .. %.1f)",
                    classesBytesPerIteration, classesLowerBound, classesUpperBound)).append(n);
        }
        text.append(format("  %,d iterations after %,d warm-up, live heap from %s at %d checkpoints, %d ms",
                        iterations, warmupIterations,
                        fromClassHistograms ? "class histograms" : "heap used", checkpoints.size(),
                        elapsed.toMillis()))
                .append(n);
        text.append(format("  heap used (MemoryMXBean) after forced GC: %.1f bytes/iteration",
                heapUsedBytesPerIteration)).append(n);
        if (!growingClasses.isEmpty()) {
            text.append(growing ? "Classes growing with the iterations:" : "Classes growing, under the threshold:")
                    .append(n);
            growingClasses.forEach(growth -> text.append("  ").append(growth).append(n));
        } else if (growing) {
            text.append("No single class grew in every interval; compare the checkpoints below.").append(n);
        }
        text.append("Checkpoints (iteration: live bytes / heap used):").append(n);
        checkpoints.forEach(sample -> text.append(format("  %,7d: %,14d / %,14d", sample.iteration(),
                sample.liveBytes(), sample.heapUsedBytes())).append(n));
        warnings.forEach(warning -> text.append("Warning: ").append(warning).append(n));
        return text.toString().stripTrailing();
    }

    private static double rate(Checkpoint from, Checkpoint to) {
        return (double) (to.liveBytes() - from.liveBytes()) / (to.iteration() - from.iteration());
    }

    private static String format(String pattern, Object... arguments) {
        return String.format(Locale.ROOT, pattern, arguments);
    }
}
