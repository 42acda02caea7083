package dev.steadfast.leak;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link LeakMonitor}'s verdicts as Micrometer gauges, so that a dashboard or an alert can watch them.
 *
 * <p>Gauges (rates are per hour, NaN until the monitor has enough data for a verdict):
 * <ul>
 *   <li>{@code steadfast.leak.monitor.growing{series}}: 1 while a series is {@code GROWING}, else 0; {@code series}
 *       is {@code heap}, {@code threads} or a registered size's name, plus {@code all} for the overall verdict</li>
 *   <li>{@code steadfast.leak.monitor.heap.live} (bytes), {@code steadfast.leak.monitor.heap.growth} (bytes/hour)</li>
 *   <li>{@code steadfast.leak.monitor.heap.unconfirmed}: 1 while the heap is {@code UNCONFIRMED} (heap after young
 *       collections rises, too few old-generation collections to confirm a leak), else 0;
 *       {@code steadfast.leak.monitor.heap.old.collections}: collections that followed a reclamation of
 *       old-generation space, the only ones a heap verdict rests on</li>
 *   <li>{@code steadfast.leak.monitor.threads.live}, {@code steadfast.leak.monitor.threads.growth}</li>
 *   <li>{@code steadfast.leak.monitor.registry.size{registry}} and
 *       {@code steadfast.leak.monitor.registry.growth{registry}} for each registered size, including sizes
 *       registered after binding</li>
 *   <li>{@code steadfast.leak.monitor.warnings}: number of warnings (what the monitor cannot see)</li>
 * </ul>
 * A scrape reads one snapshot, reused for a second, so the size suppliers are not called once per gauge.
 * Micrometer is an optional dependency of {@code steadfast-leak}: only this class needs it.
 *
 * <pre>{@code
 * LeakMonitor monitor = LeakMonitor.ofDefaults().start();
 * new LeakMonitorMetrics(monitor, Tags.of("service", "checkout")).bindTo(meterRegistry);
 * }</pre>
 */
public final class LeakMonitorMetrics implements MeterBinder {

    static final String PREFIX = "steadfast.leak.monitor.";
    private static final long SNAPSHOT_REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LeakMonitor monitor;
    private final Tags tags;
    private final Object lock = new Object();
    private LeakMonitorSnapshot cached;
    private long cachedAtNanos;

    public LeakMonitorMetrics(LeakMonitor monitor) {
        this(monitor, Tags.empty());
    }

    /** @param tags added to every gauge */
    public LeakMonitorMetrics(LeakMonitor monitor, Iterable<Tag> tags) {
        this.monitor = Objects.requireNonNull(monitor, "monitor");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** Gauges hold this binder strongly: a caller need not keep it ({@code new LeakMonitorMetrics(m).bindTo(r)}). */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        gauge(registry, "growing", Tags.of("series", "all"), "1 while any monitored series grows",
                snapshot -> snapshot.verdict() == LeakMonitorSnapshot.Verdict.GROWING ? 1 : 0);
        growing(registry, LeakMonitorSnapshot.HEAP);
        growing(registry, LeakMonitorSnapshot.THREADS);
        Gauge.builder(PREFIX + "heap.live", this, metrics -> metrics.snapshot().liveHeapBytes())
                .tags(tags).baseUnit("bytes").description("heap in use after the most recent collection")
                .strongReference(true).register(registry);
        Gauge.builder(PREFIX + "heap.growth", this, metrics -> metrics.snapshot().heap().perHour())
                .tags(tags).baseUnit("bytes").description("growth of the live heap's floor per hour")
                .strongReference(true).register(registry);
        gauge(registry, "heap.unconfirmed", Tags.empty(), "1 while heap after young collections rises but too few"
                + " old-generation collections were seen to confirm a leak",
                snapshot -> snapshot.heap().verdict() == LeakMonitorSnapshot.Verdict.UNCONFIRMED ? 1 : 0);
        gauge(registry, "heap.old.collections", Tags.empty(), "collections after which old-generation space had"
                + " been reclaimed, the only ones that confirm a heap verdict",
                snapshot -> snapshot.oldGenerationCollections());
        gauge(registry, "threads.live", Tags.empty(), "live threads", snapshot -> snapshot.liveThreads());
        gauge(registry, "threads.growth", Tags.empty(), "growth of the live threads' floor per hour",
                snapshot -> snapshot.threads().perHour());
        gauge(registry, "warnings", Tags.empty(), "what the leak monitor cannot see",
                snapshot -> snapshot.warnings().size());
        monitor.sizeNames().forEach(name -> bindSize(registry, name));
        monitor.onSizeRegistered(name -> bindSize(registry, name));
    }

    private void bindSize(MeterRegistry registry, String name) {
        growing(registry, name);
        Tags registryTag = Tags.of("registry", name);
        gauge(registry, "registry.size", registryTag, "size of a registry a component reports",
                snapshot -> series(snapshot, name).map(series -> (double) series.current()).orElse(Double.NaN));
        gauge(registry, "registry.growth", registryTag, "growth of a registry's floor per hour",
                snapshot -> series(snapshot, name).map(LeakMonitorSnapshot.Series::perHour).orElse(Double.NaN));
    }

    private void growing(MeterRegistry registry, String seriesName) {
        gauge(registry, "growing", Tags.of("series", seriesName), "1 while the series grows",
                snapshot -> series(snapshot, seriesName)
                        .map(series -> series.verdict() == LeakMonitorSnapshot.Verdict.GROWING ? 1.0 : 0.0)
                        .orElse(Double.NaN));
    }

    private void gauge(MeterRegistry registry, String name, Tags extra, String description,
            ToDoubleFunction<LeakMonitorSnapshot> value) {
        Gauge.builder(PREFIX + name, this, metrics -> value.applyAsDouble(metrics.snapshot()))
                .tags(tags.and(extra)).description(description).strongReference(true).register(registry);
    }

    private static Optional<LeakMonitorSnapshot.Series> series(LeakMonitorSnapshot snapshot, String name) {
        List<LeakMonitorSnapshot.Series> all = snapshot.all();
        return all.stream().filter(series -> series.name().equals(name)).findFirst();
    }

    private LeakMonitorSnapshot snapshot() {
        synchronized (lock) {
            long now = System.nanoTime();
            if (cached == null || now - cachedAtNanos > SNAPSHOT_REUSE_NANOS) {
                cached = monitor.snapshot();
                cachedAtNanos = now;
            }
            return cached;
        }
    }
}
