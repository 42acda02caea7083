package dev.steadfast.leak;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Instance counts and sizes per class at a fixed number of checkpoints, filled from raw histogram text.
 *
 * <p>Built to disturb what it measures as little as possible: all per-class arrays are allocated when a class is
 * first seen (in {@link #prime(String)}, before the first checkpoint), so taking a checkpoint retains nothing new
 * unless a class appears for the first time. Keeping one parsed {@link ClassHistogram} per checkpoint instead would
 * itself grow the heap by a few hundred kilobytes per checkpoint, in step with the iterations.
 *
 * <pre>{@code
 * ClassHistogramSeries series = new ClassHistogramSeries(checkpoints);
 * series.prime(ClassHistogram.captureText());
 * series.record(0, ClassHistogram.captureText());
 * }</pre>
 */
final class ClassHistogramSeries {

    private final int checkpoints;
    private final Map<String, long[]> instancesAndBytes = new HashMap<>(4096);
    private final long[] totalBytes;

    ClassHistogramSeries(int checkpoints) {
        this.checkpoints = checkpoints;
        this.totalBytes = new long[checkpoints];
    }

    /** Registers every class of this histogram without recording a checkpoint. */
    void prime(String histogramText) {
        ClassHistogram.forEachRow(histogramText, (name, instances, bytes) -> columns(name));
    }

    /**
     * Records counts that are not from a histogram (threads per name pattern, say) as checkpoint {@code index}, with
     * no bytes: the same growth rule then applies to them.
     */
    void recordCounts(int index, Map<String, Long> counts) {
        counts.forEach((name, count) -> columns(name)[index] += count);
    }

    /** Records the histogram as checkpoint {@code index}. */
    void record(int index, String histogramText) {
        long[] total = {0};
        ClassHistogram.forEachRow(histogramText, (name, instances, bytes) -> {
            long[] columns = columns(name);
            columns[index] += instances;
            columns[checkpoints + index] += bytes;
            total[0] += bytes;
        });
        totalBytes[index] = total[0];
    }

    long totalBytes(int index) {
        return totalBytes[index];
    }

    /**
     * Classes whose instance count (or, failing that, shallow size) rose in every interval between checkpoints and
     * still rose, in the second half, at least half as fast as in the first: growth that keeps pace with the
     * iterations, not a cache filling up to its bound or a one-off allocation. Largest byte growth first.
     *
     * @param iterationAt where each recorded checkpoint lies on the x axis; its length is how many checkpoints (from
     *                    the first) are analysed, so a series still being filled can be analysed so far
     */
    List<ClassGrowth> steadilyGrowing(double[] iterationAt) {
        return steadilyGrowing(iterationAt, true);
    }

    /**
     * As {@link #steadilyGrowing(double[])}; with {@code bytesAlone} false, only a class whose instance count rose in
     * every interval counts. Sampled over wall-clock time in a busy JVM, a class whose count stays put while its bytes
     * wander (a cache of random-sized arrays) rises in every interval by chance as often as any wandering count.
     */
    List<ClassGrowth> steadilyGrowing(double[] iterationAt, boolean bytesAlone) {
        int n = iterationAt.length;
        List<ClassGrowth> growing = new ArrayList<>();
        long[] instances = new long[n];
        long[] bytes = new long[n];
        for (Map.Entry<String, long[]> entry : instancesAndBytes.entrySet()) {
            long[] columns = entry.getValue();
            System.arraycopy(columns, 0, instances, 0, n);
            System.arraycopy(columns, checkpoints, bytes, 0, n);
            if (growsSteadily(instances, iterationAt) || bytesAlone && growsSteadily(bytes, iterationAt)) {
                growing.add(new ClassGrowth(entry.getKey(), slope(iterationAt, instances), slope(iterationAt, bytes),
                        instances[0], instances[n - 1], bytes[0], bytes[n - 1]));
            }
        }
        growing.sort(Comparator.comparingDouble(ClassGrowth::bytesPerIteration).reversed()
                .thenComparing(ClassGrowth::className));
        return growing;
    }

    /**
     * How many classes (or counted names) had an instance count that changed in every interval among the first
     * {@code n} checkpoints: the only ones that could have risen in every interval, by chance or not. A class loaded
     * once or a cache that filled and stopped does not count; a count that wanders with the work in flight does.
     */
    int changingInEveryInterval(int n) {
        int changing = 0;
        for (long[] columns : instancesAndBytes.values()) {
            boolean every = true;
            for (int i = 1; i < n && every; i++) {
                every = columns[i] != columns[i - 1];
            }
            changing += every ? 1 : 0;
        }
        return changing;
    }

    /** Per checkpoint (the first {@code n}), the bytes of the given classes added up. */
    double[] summedBytes(List<ClassGrowth> classes, int n) {
        return summed(classes, n, checkpoints);
    }

    /** Per checkpoint (the first {@code n}), the instances of the given classes added up. */
    double[] summedInstances(List<ClassGrowth> classes, int n) {
        return summed(classes, n, 0);
    }

    /** The instance counts ({@code bytes == false}) or shallow bytes of one class at the first {@code n} checkpoints. */
    double[] column(String className, int n, boolean bytes) {
        return summed(List.of(new ClassGrowth(className, 0, 0, 0, 0, 0, 0)), n, bytes ? checkpoints : 0);
    }

    private double[] summed(List<ClassGrowth> classes, int n, int offset) {
        double[] sum = new double[n];
        for (ClassGrowth growth : classes) {
            long[] columns = instancesAndBytes.get(growth.className());
            if (columns == null) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                sum[i] += columns[offset + i];
            }
        }
        return sum;
    }

    static boolean growsSteadily(long[] values, double[] iterationAt) {
        for (int i = 1; i < values.length; i++) {
            if (values[i] <= values[i - 1]) {
                return false;
            }
        }
        int last = values.length - 1;
        int middle = last / 2;
        double earlyRate = (values[middle] - values[0]) / (iterationAt[middle] - iterationAt[0]);
        double lateRate = (values[last] - values[middle]) / (iterationAt[last] - iterationAt[middle]);
        return lateRate >= earlyRate / 2;
    }

    private static double slope(double[] x, long[] values) {
        double[] y = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            y[i] = values[i];
        }
        return HeapGrowthStatistics.fit(x, y, 0.5).slope();
    }

    private long[] columns(String name) {
        return instancesAndBytes.computeIfAbsent(name, key -> new long[2 * checkpoints]);
    }
}
