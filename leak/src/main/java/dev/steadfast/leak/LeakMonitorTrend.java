package dev.steadfast.leak;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The trend of one monitored quantity (live heap, live threads, a registry's size) over a sliding window, in bounded
 * memory.
 *
 * <p>The window is cut into {@code buckets} equal time slots; each slot keeps only its lowest sample and when it was
 * taken. The trend is the least-squares line through the lowest samples of the completed slots in the window, with a
 * Student-t interval on its slope. Keeping the lowest value is what makes the trend a <em>floor</em>: heap after a
 * young collection climbs as garbage is promoted and falls at the next old collection (a sawtooth), thread pools grow
 * under load and shrink when idle, registries fill and drain with traffic; none of that is a leak as long as the floor
 * stays put. A leak raises the floor.
 *
 * <p>The verdict is {@code GROWING} when the slope's lower confidence bound exceeds the threshold. The time it first
 * became {@code GROWING} is remembered as the start of the first slot of that fit, and kept while the verdict stays.
 *
 * <p>Thread-safe: samples arrive on the JMX notification thread while snapshots are taken on any thread.
 *
 * <pre>{@code
 * LeakMonitorTrend heap = new LeakMonitorTrend(Duration.ofHours(1).toMillis(), 12, 1 << 20, 0.95);
 * heap.add(clock.millis(), heapAfterGc);
 * LeakMonitorTrend.Evaluation evaluation = heap.evaluate(clock.millis());
 * }</pre>
 */
final class LeakMonitorTrend {

    static final int MIN_POINTS = LeakMonitor.MIN_BUCKETS_FOR_VERDICT;
    private static final double MILLIS_PER_HOUR = 3_600_000.0;

    private final long bucketMillis;
    private final int buckets;
    private final double thresholdPerHour;
    private final double confidenceLevel;
    private final ArrayDeque<Bucket> window = new ArrayDeque<>();
    private boolean steadySteps;
    private long origin = Long.MIN_VALUE;
    private long latest;
    private long samples;
    private boolean growing;
    private long growingSince;

    /**
     * The state of the trend at one moment.
     *
     * @param verdict verdict at that moment
     * @param latest the most recent sample, or 0 if none
     * @param samples samples received since the trend was created
     * @param points completed slots the fit went through
     * @param perHour slope per hour, NaN without a verdict
     * @param lowerPerHour lower confidence bound of the slope, NaN without a verdict
     * @param upperPerHour upper confidence bound of the slope, NaN without a verdict
     * @param growingSince when the growth began, in epoch milliseconds, when {@code GROWING}
     */
    record Evaluation(LeakMonitorSnapshot.Verdict verdict, long latest, long samples, int points, double perHour,
            double lowerPerHour, double upperPerHour, OptionalLong growingSince) {
    }

    /**
     * A trend of a count (live threads, a registry's size): {@code GROWING} also needs the floor to rise by steady
     * steps (the lower confidence bound of its mean step above zero). One thread started once and kept, or a registry
     * that gained one lasting entry, raises the floor by a single step, which a fitted line still calls significant.
     */
    static LeakMonitorTrend forCounts(long windowMillis, int buckets, double thresholdPerHour, double confidenceLevel) {
        LeakMonitorTrend trend = new LeakMonitorTrend(windowMillis, buckets, thresholdPerHour, confidenceLevel);
        trend.steadySteps = true;
        return trend;
    }

    LeakMonitorTrend(long windowMillis, int buckets, double thresholdPerHour, double confidenceLevel) {
        this.bucketMillis = Math.max(1, windowMillis / buckets);
        this.buckets = buckets;
        this.thresholdPerHour = thresholdPerHour;
        this.confidenceLevel = confidenceLevel;
    }

    synchronized void add(long timeMillis, long value) {
        if (origin == Long.MIN_VALUE) {
            origin = timeMillis;
        }
        latest = value;
        samples++;
        long index = indexOf(timeMillis);
        Bucket last = window.peekLast();
        if (last != null && index <= last.index) {
            // Same slot, or a sample stamped slightly earlier than the previous one: fold it into the newest slot.
            if (value < last.min) {
                last.min = value;
                last.minTime = timeMillis;
            }
            return;
        }
        window.addLast(new Bucket(index, value, timeMillis));
        evaluateLocked(timeMillis);
    }

    synchronized Evaluation evaluate(long nowMillis) {
        return evaluateLocked(nowMillis);
    }

    /**
     * The fit through the completed slots whose lowest sample was taken at or after {@code sinceMillis} only, e.g.
     * since the last collection of the old generation; does not change when this trend became {@code GROWING}.
     */
    synchronized Evaluation evaluateSince(long nowMillis, long sinceMillis) {
        return fitLocked(nowMillis, sinceMillis, false);
    }

    private Evaluation evaluateLocked(long nowMillis) {
        return fitLocked(nowMillis, Long.MIN_VALUE, true);
    }

    private Evaluation fitLocked(long nowMillis, long sinceMillis, boolean tracksGrowth) {
        if (origin == Long.MIN_VALUE) {
            return new Evaluation(LeakMonitorSnapshot.Verdict.INSUFFICIENT_DATA, 0, 0, 0, Double.NaN, Double.NaN,
                    Double.NaN, OptionalLong.empty());
        }
        long current = indexOf(nowMillis);
        while (!window.isEmpty() && window.peekFirst().index <= current - buckets) {
            window.removeFirst();
        }
        List<Bucket> fitted = new ArrayList<>(window.size());
        for (Bucket bucket : window) {
            if (bucket.index < current && bucket.minTime >= sinceMillis) {
                fitted.add(bucket);
            }
        }
        int points = fitted.size();
        if (points < MIN_POINTS) {
            if (tracksGrowth) {
                growing = false;
            }
            return new Evaluation(LeakMonitorSnapshot.Verdict.INSUFFICIENT_DATA, latest, samples, points,
                    Double.NaN, Double.NaN, Double.NaN, OptionalLong.empty());
        }
        double[] hours = new double[points];
        double[] values = new double[points];
        long firstTime = fitted.get(0).minTime;
        for (int i = 0; i < points; i++) {
            Bucket bucket = fitted.get(i);
            hours[i] = (bucket.minTime - firstTime) / MILLIS_PER_HOUR;
            values[i] = bucket.min;
        }
        HeapGrowthStatistics.LinearFit fit = sameTimes(hours)
                ? new HeapGrowthStatistics.LinearFit(0, values[0], 0, 0, 0, points)
                : HeapGrowthStatistics.fit(hours, values, confidenceLevel);
        boolean nowGrowing = fit.lowerBound() > thresholdPerHour
                && (!steadySteps || HeapGrowthStatistics.meanStepLowerBound(values, confidenceLevel) > 0);
        OptionalLong since = OptionalLong.empty();
        if (tracksGrowth) {
            if (nowGrowing && !growing) {
                growingSince = origin + fitted.get(0).index * bucketMillis;
            }
            growing = nowGrowing;
            since = nowGrowing ? OptionalLong.of(growingSince) : OptionalLong.empty();
        }
        return new Evaluation(nowGrowing ? LeakMonitorSnapshot.Verdict.GROWING : LeakMonitorSnapshot.Verdict.STABLE,
                latest, samples, points, fit.slope(), fit.lowerBound(), fit.upperBound(), since);
    }

    private static boolean sameTimes(double[] hours) {
        for (double hour : hours) {
            if (hour != hours[0]) {
                return false;
            }
        }
        return true;
    }

    private long indexOf(long timeMillis) {
        return Math.floorDiv(timeMillis - origin, bucketMillis);
    }

    /** One time slot: its lowest sample. Mutable, confined to the enclosing trend's lock. */
    private static final class Bucket {
        final long index;
        long min;
        long minTime;

        Bucket(long index, long min, long minTime) {
            this.index = index;
            this.min = min;
            this.minTime = minTime;
        }
    }
}
