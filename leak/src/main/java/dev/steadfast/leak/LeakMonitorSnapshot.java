package dev.steadfast.leak;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link LeakMonitor} concluded at one moment: for the live heap, the live threads and each registered size,
 * the current value, the trend per hour over the window and a verdict; plus an overall verdict and the warnings that
 * say what the monitor could not see.
 *
 * <p>Immutable; {@link #toString()} is a readable block for logs and admin endpoints.
 *
 * <pre>{@code
 * LeakMonitorSnapshot snapshot = monitor.snapshot();
 * if (snapshot.verdict() == LeakMonitorSnapshot.Verdict.GROWING) {
 *     log.warn("memory keeps growing:\n{}", snapshot);
 * }
 * }</pre>
 */
public final class LeakMonitorSnapshot {

    /** Name of the live-heap series. */
    public static final String HEAP = "heap";
    /** Name of the live-threads series. */
    public static final String THREADS = "threads";

    static final double BYTES_PER_MEGABYTE = 1024.0 * 1024.0;

    /**
     * The conclusion about one series, or about all of them.
     *
     * <pre>{@code
     * if (monitor.snapshot().verdict() == LeakMonitorSnapshot.Verdict.GROWING) {
     *     alerts.raise("memory or thread leak suspected: " + monitor.snapshot());
     * }
     * }</pre>
     */
    public enum Verdict {
        /**
         * Fewer than {@value LeakMonitor#MIN_BUCKETS_FOR_VERDICT} completed time slots in the window: no conclusion
         * yet.
         */
        INSUFFICIENT_DATA,
        /** The floor of the series is not rising faster than the threshold, with the configured confidence. */
        STABLE,
        /**
         * Heap only: the floor of heap after young collections rises faster than the threshold, but too few
         * collections of the old generation were seen in the window to tell a leak from garbage promoted since the
         * last one (which raises that floor too until the next old collection). Not a leak verdict: it becomes
         * {@code GROWING} or {@code STABLE} once samples that follow old-generation collections cover
         * {@value LeakMonitor#MIN_BUCKETS_FOR_VERDICT} time slots of the window.
         */
        UNCONFIRMED,
        /** The floor of the series rises faster than the threshold, with the configured confidence. */
        GROWING
    }

    /**
     * One monitored quantity.
     *
     * <pre>{@code
     * for (LeakMonitorSnapshot.Series s : snapshot.all()) {
     *     log.info("{}: {} {} ({}, {}/hour)", s.name(), s.current(), s.unit(), s.verdict(), s.perHour());
     * }
     * }</pre>
     *
     * @param name {@value #HEAP}, {@value #THREADS} or the name a registry was registered with
     * @param unit {@code bytes} for the heap, {@code threads}, {@code entries} for registries
     * @param verdict verdict for this series
     * @param current latest sample: live heap after the last collection, live threads, registry size
     * @param samples samples taken since the monitor started
     * @param perHour slope of the series' floor per hour over the window; NaN before there is a verdict
     * @param lowerBoundPerHour lower end of the slope's confidence interval; NaN before there is a verdict
     * @param upperBoundPerHour upper end of the slope's confidence interval; NaN before there is a verdict
     * @param growingSince start of the growth when {@code GROWING}
     */
    public record Series(String name, String unit, Verdict verdict, long current, long samples, double perHour,
            double lowerBoundPerHour, double upperBoundPerHour, Optional<Instant> growingSince) {

        public Series {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(verdict, "verdict");
            Objects.requireNonNull(growingSince, "growingSince");
        }

        @Override
        public String toString() {
            boolean bytes = "bytes".equals(unit);
            String value = bytes ? megabytes(current) + " MB" : String.format(Locale.ROOT, "%,d %s", current, unit);
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%s: %s, %s", name, verdict, value));
            if (verdict != Verdict.INSUFFICIENT_DATA) {
                String scale = bytes ? " MB" : "";
                double divisor = bytes ? BYTES_PER_MEGABYTE : 1;
                text.append(String.format(Locale.ROOT, ", %+.2f%s/hour (%.2f .. %.2f)", perHour / divisor, scale,
                        lowerBoundPerHour / divisor, upperBoundPerHour / divisor));
            }
            growingSince.ifPresent(since -> text.append(" since ").append(since));
            return text.toString();
        }
    }

    private final Instant takenAt;
    private final Instant startedAt;
    private final Duration window;
    private final long collections;
    private final long oldGenerationCollections;
    private final Series heap;
    private final Series threads;
    private final List<Series> registries;
    private final List<String> warnings;

    LeakMonitorSnapshot(Instant takenAt, Instant startedAt, Duration window, long collections,
            long oldGenerationCollections, Series heap, Series threads, List<Series> registries,
            List<String> warnings) {
        this.takenAt = takenAt;
        this.startedAt = startedAt;
        this.window = window;
        this.collections = collections;
        this.oldGenerationCollections = oldGenerationCollections;
        this.heap = heap;
        this.threads = threads;
        List<Series> sorted = new ArrayList<>(registries);
        sorted.sort(Comparator.comparing(Series::name));
        this.registries = List.copyOf(sorted);
        this.warnings = List.copyOf(warnings);
    }

    /**
     * {@code GROWING} if any series grows; otherwise the heap's verdict ({@code INSUFFICIENT_DATA} until the heap
     * trend has enough data, then {@code STABLE}, or {@code UNCONFIRMED} while heap after young collections rises
     * and too few old-generation collections were seen to tell a leak from promoted garbage).
     */
    public Verdict verdict() {
        if (all().stream().anyMatch(series -> series.verdict() == Verdict.GROWING)) {
            return Verdict.GROWING;
        }
        return heap.verdict();
    }

    /** The earliest start of growth among the growing series. */
    public Optional<Instant> growingSince() {
        return all().stream()
                .map(Series::growingSince)
                .flatMap(Optional::stream)
                .min(Comparator.naturalOrder());
    }

    /** Live heap: heap in use right after the collections, in bytes. */
    public Series heap() {
        return heap;
    }

    public Series threads() {
        return threads;
    }

    /** One series per registered size, by name. */
    public List<Series> registries() {
        return registries;
    }

    /** Heap, threads, then the registries. */
    public List<Series> all() {
        List<Series> all = new ArrayList<>(registries.size() + 2);
        all.add(heap);
        all.add(threads);
        all.addAll(registries);
        return all;
    }

    /** Growth of the live heap's floor in megabytes (2^20 bytes) per hour; NaN before there is a verdict. */
    public double heapGrowthMegabytesPerHour() {
        return heap.perHour() / BYTES_PER_MEGABYTE;
    }

    /** Live heap after the most recent collection, in bytes (0 before the first collection). */
    public long liveHeapBytes() {
        return heap.current();
    }

    public long liveThreads() {
        return threads.current();
    }

    /** Latest size of each registry, by name. */
    public Map<String, Long> registrySizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        registries.forEach(series -> sizes.put(series.name(), series.current()));
        return sizes;
    }

    /** Garbage collections observed since the monitor started. */
    public long collections() {
        return collections;
    }

    /**
     * Collections observed since the monitor started after which old-generation space had been reclaimed (a full
     * collection, a G1 mixed collection or the first collection after a G1 concurrent cycle, any cycle of a
     * single-space collector): only those samples confirm a heap verdict.
     */
    public long oldGenerationCollections() {
        return oldGenerationCollections;
    }

    public Instant takenAt() {
        return takenAt;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Duration window() {
        return window;
    }

    /** What the monitor cannot see or had to work around; empty when it sees everything. */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        String n = System.lineSeparator();
        StringBuilder text = new StringBuilder("Leak monitor: ").append(verdict());
        growingSince().ifPresent(since -> text.append(" since ").append(since));
        text.append(String.format(Locale.ROOT, " (window %s, %,d collections, %,d after old-generation space was"
                + " reclaimed, since %s, at %s)", window, collections, oldGenerationCollections, startedAt, takenAt))
                .append(n);
        all().forEach(series -> text.append("  ").append(series).append(n));
        warnings.forEach(warning -> text.append("Warning: ").append(warning).append(n));
        return text.toString().stripTrailing();
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / BYTES_PER_MEGABYTE);
    }
}
