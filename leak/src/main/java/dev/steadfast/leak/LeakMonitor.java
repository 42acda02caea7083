package dev.steadfast.leak;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A low-overhead leak monitor for running services: is the live heap, the number of live threads or the size of a
 * registry creeping up, how fast, and since when?
 *
 * <p>It never forces a collection. It listens to the JVM's end-of-collection notifications and takes, after each
 * one, the heap in use summed over all heap pools (eden is empty then, so this is survivors plus old generation:
 * the live set plus whatever garbage was promoted since the last old-generation collection). Summing all heap pools
 * works the same for every collector, where "old gen" alone would miss live young objects and is named differently
 * by each collector. Promoted garbage makes that figure a sawtooth, so the trend is fitted through its
 * <em>floor</em>: the window is cut into {@value #BUCKETS_PER_WINDOW} time slots, each keeps its lowest sample, and a
 * least-squares line with a Student-t interval goes through those minima (as JDK Mission Control's live-set trend
 * rule fits heap after GC). Only samples that follow a reclamation of old-generation space (a full collection, a G1
 * mixed collection or concurrent cycle, any cycle of a single-space collector) show the live set: the heap's verdict
 * is {@code GROWING} or {@code STABLE} from those once they cover {@value #MIN_BUCKETS_FOR_VERDICT} slots. Until
 * then the floor after any collection since the last such reclamation, which promoted garbage can only raise, decides:
 * flat is {@code STABLE}, rising is {@code UNCONFIRMED} (never {@code GROWING}), and the snapshot says why.
 * Live threads and registered sizes are sampled at collections (at most once a second) and at each
 * {@link #snapshot()}, and get the same floor trend. The verdict is {@code GROWING} when the lower confidence bound of
 * the slope exceeds the threshold.
 *
 * <p>It starts no thread: the work is done on the JVM's notification thread (microseconds per collection, bounded
 * memory) and on the caller's thread in {@link #snapshot()}. Size suppliers therefore must be cheap and must not
 * block ({@code map::size}). When an MXBean it wants is missing (no GC notifications, no {@code jdk.management}
 * module, no thread MXBean) it keeps monitoring what it can and lists what it cannot in
 * {@link LeakMonitorSnapshot#warnings()}.
 *
 * <p>States, in order: new (built), running ({@link #start()}), closed ({@link #close()}, terminal). Sizes can be
 * registered in any state; {@link #snapshot()} works in any state and, once closed, reports the data gathered until
 * then.
 *
 * <pre>{@code
 * LeakMonitor monitor = LeakMonitor.builder().window(Duration.ofHours(2)).build().start();
 * monitor.registerSize("sessions", sessions::size);
 * new LeakMonitorMetrics(monitor).bindTo(meterRegistry);
 * ...
 * LeakMonitorSnapshot snapshot = monitor.snapshot();   // GROWING: heap +12.40 MB/hour since 2026-11-23T14:05Z
 * monitor.close();
 * }</pre>
 */
public final class LeakMonitor implements AutoCloseable {

    /** Time over which trends are fitted. */
    public static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    /** Shortest window accepted: shorter ones see GC noise, not trends. */
    public static final Duration MIN_WINDOW = Duration.ofMinutes(1);
    /** Heap growth tolerated, in bytes per hour: 1 MiB. */
    public static final long DEFAULT_HEAP_THRESHOLD_BYTES_PER_HOUR = 1L << 20;
    /** Growth tolerated in thread count and registry sizes, per hour. */
    public static final double DEFAULT_COUNT_THRESHOLD_PER_HOUR = 1.0;
    /** Two-sided confidence level of the slope's interval. */
    public static final double DEFAULT_CONFIDENCE_LEVEL = 0.95;
    /** Time slots per window; each keeps its lowest sample. */
    public static final int BUCKETS_PER_WINDOW = 12;
    /** Completed time slots needed before a series has a verdict: fewer leave the interval too wide to mean much. */
    public static final int MIN_BUCKETS_FOR_VERDICT = 4;

    private static final Logger LOG = LoggerFactory.getLogger(LeakMonitor.class);
    private static final long MIN_MILLIS_BETWEEN_COUNT_SAMPLES = 1_000;

    private enum State { NEW, RUNNING, CLOSED }

    private final Clock clock;
    private final Supplier<List<GarbageCollectorMXBean>> garbageCollectors;
    private final Duration window;
    private final long heapThresholdBytesPerHour;
    private final double countThresholdPerHour;
    private final double confidenceLevel;
    private final LeakMonitorTrend heapAfterOldCollections;
    private final LeakMonitorTrend heapAfterAnyCollection;
    private final LeakMonitorTrend threads;
    private final Map<String, Registry> registries = new ConcurrentHashMap<>();
    private final Map<String, String> warnings = new ConcurrentHashMap<>();
    private final List<Consumer<String>> sizeRegistrationListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong oldCollections = new AtomicLong();
    /** When old-generation space was last seen reclaimed; {@code Long.MIN_VALUE} until then. */
    private volatile long lastOldCollectionMillis = Long.MIN_VALUE;
    private final Optional<ThreadMXBean> threadBean;
    private volatile long lastCountSampleMillis = Long.MIN_VALUE;
    private volatile boolean pollCollectionUsage;
    private State state = State.NEW;
    private volatile Instant startedAt;
    private LeakMonitorGcListener gcListener;

    private LeakMonitor(Builder builder) {
        this.clock = builder.clock;
        this.garbageCollectors = builder.garbageCollectors;
        this.window = builder.window;
        this.heapThresholdBytesPerHour = builder.heapThresholdBytesPerHour;
        this.countThresholdPerHour = builder.countThresholdPerHour;
        this.confidenceLevel = builder.confidenceLevel;
        this.heapAfterOldCollections = newTrend(heapThresholdBytesPerHour);
        this.heapAfterAnyCollection = newTrend(heapThresholdBytesPerHour);
        this.threads = countTrend(countThresholdPerHour);
        this.threadBean = threadBean();
        this.startedAt = clock.instant();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A monitor with every {@code DEFAULT_*} setting, not yet started. */
    public static LeakMonitor ofDefaults() {
        return builder().build();
    }

    /**
     * Starts listening to collections.
     *
     * @return this monitor
     * @throws IllegalStateException if already started or closed
     */
    public synchronized LeakMonitor start() {
        if (state != State.NEW) {
            throw new IllegalStateException("LeakMonitor can be started once; it is " + state.name().toLowerCase()
                    + " (build a new one to start again)");
        }
        state = State.RUNNING;
        startedAt = clock.instant();
        listenToCollections();
        sampleCounts(clock.millis());
        return this;
    }

    /** Stops listening to collections. Idempotent; the data gathered so far stays readable. */
    @Override
    public synchronized void close() {
        if (gcListener != null) {
            gcListener.unregister();
            gcListener = null;
        }
        pollCollectionUsage = false;
        state = State.CLOSED;
    }

    /**
     * Tracks the size of a registry (listeners, sessions, cache entries, handlers...) whose floor should stay put.
     *
     * @param name how the size appears in snapshots and metrics, unique
     * @param size cheap, non-blocking, thread-safe reading of the size (e.g. {@code map::size}); it is called on the
     *     JVM's notification thread and by {@link #snapshot()}; its exceptions become warnings
     * @throws IllegalArgumentException if the name is blank, {@code heap} or {@code threads}
     * @throws IllegalStateException if a size with this name is already registered
     */
    public void registerSize(String name, LongSupplier size) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(size, "size");
        if (name.isBlank()) {
            throw new IllegalArgumentException("size name must not be blank: '" + name + "'");
        }
        if (name.equals(LeakMonitorSnapshot.HEAP) || name.equals(LeakMonitorSnapshot.THREADS)) {
            throw new IllegalArgumentException("size name '" + name + "' is reserved for the monitor's own series;"
                    + " choose another name");
        }
        Registry registry = new Registry(size, countTrend(countThresholdPerHour));
        if (registries.putIfAbsent(name, registry) != null) {
            throw new IllegalStateException("a size named '" + name + "' is already registered;"
                    + " unregister it first or choose another name");
        }
        sample(name, registry, clock.millis());
        sizeRegistrationListeners.forEach(listener -> listener.accept(name));
    }

    /**
     * Stops tracking a size, e.g. when its component shuts down.
     *
     * @return whether a size with this name was registered
     */
    public boolean unregisterSize(String name) {
        warnings.remove(sizeWarningKey(name));
        return registries.remove(name) != null;
    }

    /** Names of the registered sizes. */
    public Set<String> sizeNames() {
        return Set.copyOf(registries.keySet());
    }

    /** Evaluates every trend now; also samples threads and registered sizes. */
    public LeakMonitorSnapshot snapshot() {
        long now = clock.millis();
        if (pollCollectionUsage) {
            pollCollectionUsage(now);
        }
        sampleCounts(now);
        List<String> notes = new ArrayList<>();
        LeakMonitorSnapshot.Series heap = heapSeries(now, notes);
        LeakMonitorSnapshot.Series threadSeries = series(LeakMonitorSnapshot.THREADS, "threads", threads, now);
        List<LeakMonitorSnapshot.Series> sizes = new ArrayList<>();
        registries.forEach((name, registry) -> sizes.add(series(name, "entries", registry.trend, now)));
        List<String> all = new ArrayList<>(new LinkedHashSet<>(warnings.values()));
        all.addAll(notes);
        synchronized (this) {
            if (state == State.NEW) {
                all.add("not started: call start() to listen to garbage collections");
            } else if (state == State.CLOSED) {
                all.add("closed: figures are those gathered until close()");
            }
        }
        return new LeakMonitorSnapshot(Instant.ofEpochMilli(now), startedAt, window, collections.get(),
                oldCollections.get(), heap, threadSeries, sizes, all);
    }

    /**
     * Records one collection: the seam between the JVM's notifications and the trend logic, also fed with synthetic
     * samples by tests.
     */
    void recordCollection(long timeMillis, long heapAfterBytes, boolean oldGenerationCollected) {
        collections.incrementAndGet();
        heapAfterAnyCollection.add(timeMillis, heapAfterBytes);
        if (oldGenerationCollected) {
            oldCollections.incrementAndGet();
            lastOldCollectionMillis = timeMillis;
            heapAfterOldCollections.add(timeMillis, heapAfterBytes);
        }
        long last = lastCountSampleMillis;
        if (last == Long.MIN_VALUE || timeMillis - last >= MIN_MILLIS_BETWEEN_COUNT_SAMPLES) {
            sampleCounts(timeMillis);
        }
    }

    /** Lets {@link LeakMonitorMetrics} add gauges for sizes registered after it was bound. */
    void onSizeRegistered(Consumer<String> listener) {
        sizeRegistrationListeners.add(listener);
    }

    /** Collectors this monitor currently listens to; 0 when not running. */
    synchronized int listeningTo() {
        return gcListener == null ? 0 : gcListener.registeredCount();
    }

    private void listenToCollections() {
        Set<String> heapPools = new LinkedHashSet<>();
        Set<String> oldPools = new LinkedHashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
                if (pool.getName().contains("Old") || pool.getName().contains("Tenured")) {
                    oldPools.add(pool.getName());
                }
            }
        }
        try {
            LeakMonitorGcListener listener = new LeakMonitorGcListener(heapPools, oldPools,
                    (heapAfter, old) -> recordCollection(clock.millis(), heapAfter, old), this::notificationFailed);
            List<String> silent = listener.register(garbageCollectors.get());
            if (!silent.isEmpty()) {
                warnings.put("silent-collectors", "collectors without notifications, not observed: " + silent);
            }
            if (listener.registeredCount() > 0) {
                gcListener = listener;
                return;
            }
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("GC notifications unavailable; sampling heap after collections at each snapshot instead", e);
            warnings.put("gc-notifications", "GC notifications unavailable (" + e
                    + "): heap after collection is read from the memory pools at each snapshot() only");
            pollCollectionUsage = true;
            return;
        }
        warnings.put("gc-notifications", "no garbage collector emits notifications:"
                + " heap after collection is read from the memory pools at each snapshot() only");
        pollCollectionUsage = true;
    }

    private void notificationFailed(Throwable failure) {
        LOG.warn("LeakMonitor could not read a GC notification", failure);
        warnings.put("gc-notification-failure", "a GC notification could not be read: " + failure);
    }

    private void pollCollectionUsage(long now) {
        long heapAfter = 0;
        boolean any = false;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage usage = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (usage != null) {
                heapAfter += usage.getUsed();
                any = true;
            }
        }
        if (any) {
            heapAfterAnyCollection.add(now, heapAfter);
        } else {
            warnings.put("collection-usage", "no heap pool reports usage after collection: heap is not monitored");
        }
    }

    private void sampleCounts(long now) {
        lastCountSampleMillis = now;
        threadBean.ifPresent(bean -> threads.add(now, bean.getThreadCount()));
        registries.forEach((name, registry) -> sample(name, registry, now));
    }

    private void sample(String name, Registry registry, long now) {
        long size;
        try {
            size = registry.size.getAsLong();
        } catch (RuntimeException e) {
            warnings.put(sizeWarningKey(name), "size '" + name + "' could not be read: " + e);
            return;
        }
        warnings.remove(sizeWarningKey(name));
        registry.trend.add(now, size);
    }

    /**
     * The heap's verdict. Only a sample that follows a collection of the old generation approximates the live set:
     * after a young collection the heap also holds the garbage promoted since the last old-generation collection, so
     * the floor of those samples climbs until the next one whether anything leaks or not. Hence {@code GROWING} or
     * {@code STABLE} come from the samples after old-generation collections once they cover
     * {@value #MIN_BUCKETS_FOR_VERDICT} slots of the window. Until then the floor after any collection since the
     * last old-generation collection (promoted garbage can only raise it, never lower it) is an upper bound of the
     * live set's: flat means {@code STABLE}; rising means {@code UNCONFIRMED}, a leak or promoted garbage.
     */
    private LeakMonitorSnapshot.Series heapSeries(long now, List<String> notes) {
        LeakMonitorTrend.Evaluation any = heapAfterAnyCollection.evaluate(now);
        LeakMonitorTrend.Evaluation old = heapAfterOldCollections.evaluate(now);
        if (old.verdict() != LeakMonitorSnapshot.Verdict.INSUFFICIENT_DATA) {
            return toSeries(LeakMonitorSnapshot.HEAP, "bytes", old, any.latest(), any.samples());
        }
        long since = lastOldCollectionMillis;
        LeakMonitorTrend.Evaluation young = heapAfterAnyCollection.evaluateSince(now, since);
        boolean seen = since != Long.MIN_VALUE;
        String coverage = old.points() + " of the " + BUCKETS_PER_WINDOW + " time slots in the window followed an"
                + " old-generation collection" + (seen ? "" : " (none since the monitor started)");
        String from = seen ? " since the last old-generation collection at " + Instant.ofEpochMilli(since) : "";
        switch (young.verdict()) {
            case STABLE:
                notes.add("heap trend from heap after young collections" + from + ": only " + coverage
                        + "; garbage promoted meanwhile can only raise that floor, so a flat floor means a flat"
                        + " live set");
                return toSeries(LeakMonitorSnapshot.HEAP, "bytes", young, any.latest(), any.samples());
            case GROWING:
                notes.add(String.format(Locale.ROOT, "heap after young collections rises %+.2f MB/hour%s, but only"
                        + " %s: garbage that young collections promote raises that floor too until the next one,"
                        + " so UNCONFIRMED is not a leak verdict until samples after old-generation collections"
                        + " cover %d slots (a window longer than the time between old-generation collections gives"
                        + " that)", young.perHour() / LeakMonitorSnapshot.BYTES_PER_MEGABYTE, from, coverage,
                        MIN_BUCKETS_FOR_VERDICT));
                return new LeakMonitorSnapshot.Series(LeakMonitorSnapshot.HEAP, "bytes",
                        LeakMonitorSnapshot.Verdict.UNCONFIRMED, any.latest(), any.samples(), young.perHour(),
                        young.lowerPerHour(), young.upperPerHour(), Optional.empty());
            default:
                if (any.verdict() != LeakMonitorSnapshot.Verdict.INSUFFICIENT_DATA) {
                    notes.add("no heap verdict: only " + coverage + ", and heap after collections since then spans"
                            + " fewer than " + MIN_BUCKETS_FOR_VERDICT + " slots");
                }
                return toSeries(LeakMonitorSnapshot.HEAP, "bytes", young, any.latest(), any.samples());
        }
    }

    private LeakMonitorSnapshot.Series series(String name, String unit, LeakMonitorTrend trend, long now) {
        LeakMonitorTrend.Evaluation evaluation = trend.evaluate(now);
        return toSeries(name, unit, evaluation, evaluation.latest(), evaluation.samples());
    }

    private static LeakMonitorSnapshot.Series toSeries(String name, String unit, LeakMonitorTrend.Evaluation fit,
            long current, long samples) {
        Optional<Instant> since = fit.growingSince().isPresent()
                ? Optional.of(Instant.ofEpochMilli(fit.growingSince().getAsLong()))
                : Optional.empty();
        return new LeakMonitorSnapshot.Series(name, unit, fit.verdict(), current, samples, fit.perHour(),
                fit.lowerPerHour(), fit.upperPerHour(), since);
    }

    private LeakMonitorTrend countTrend(double thresholdPerHour) {
        return LeakMonitorTrend.forCounts(window.toMillis(), BUCKETS_PER_WINDOW, thresholdPerHour, confidenceLevel);
    }

    private LeakMonitorTrend newTrend(double thresholdPerHour) {
        return new LeakMonitorTrend(window.toMillis(), BUCKETS_PER_WINDOW, thresholdPerHour, confidenceLevel);
    }

    private Optional<ThreadMXBean> threadBean() {
        try {
            return Optional.of(ManagementFactory.getThreadMXBean());
        } catch (LinkageError | RuntimeException e) {
            warnings.put("threads", "live threads are not monitored: no ThreadMXBean (" + e + ")");
            return Optional.empty();
        }
    }

    private static String sizeWarningKey(String name) {
        return "size:" + name;
    }

    /** A registered size and its trend. */
    private static final class Registry {
        final LongSupplier size;
        final LeakMonitorTrend trend;

        Registry(LongSupplier size, LeakMonitorTrend trend) {
            this.size = size;
            this.trend = trend;
        }
    }

    /**
     * Settings for a {@link LeakMonitor}; each setter validates at once, the last value set wins.
     *
     * <pre>{@code
     * LeakMonitor monitor = LeakMonitor.builder()
     *         .window(Duration.ofHours(6))
     *         .heapThresholdBytesPerHour(8L << 20)
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private Duration window = DEFAULT_WINDOW;
        private long heapThresholdBytesPerHour = DEFAULT_HEAP_THRESHOLD_BYTES_PER_HOUR;
        private double countThresholdPerHour = DEFAULT_COUNT_THRESHOLD_PER_HOUR;
        private double confidenceLevel = DEFAULT_CONFIDENCE_LEVEL;
        private Clock clock = Clock.systemUTC();
        private Supplier<List<GarbageCollectorMXBean>> garbageCollectors =
                ManagementFactory::getGarbageCollectorMXBeans;

        private Builder() {
        }

        /**
         * Time over which trends are fitted; default one hour, at least one minute. Choose it longer than the time
         * between two old-generation collections, so that the floor of the heap is the live set.
         *
         * @throws IllegalArgumentException if shorter than {@link #MIN_WINDOW}
         */
        public Builder window(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.compareTo(MIN_WINDOW) < 0) {
                throw new IllegalArgumentException("window must be at least " + MIN_WINDOW + ": " + window);
            }
            this.window = window;
            return this;
        }

        /**
         * Heap growth tolerated; the heap is {@code GROWING} only when the slope's lower confidence bound exceeds
         * it. Default {@value LeakMonitor#DEFAULT_HEAP_THRESHOLD_BYTES_PER_HOUR} (1 MiB per hour).
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder heapThresholdBytesPerHour(long bytesPerHour) {
            if (bytesPerHour < 0) {
                throw new IllegalArgumentException("heapThresholdBytesPerHour must not be negative: "
                        + bytesPerHour);
            }
            this.heapThresholdBytesPerHour = bytesPerHour;
            return this;
        }

        /**
         * Growth tolerated in live threads and in registered sizes, per hour; default
         * {@value LeakMonitor#DEFAULT_COUNT_THRESHOLD_PER_HOUR}.
         *
         * @throws IllegalArgumentException if negative, infinite or NaN
         */
        public Builder countThresholdPerHour(double perHour) {
            this.countThresholdPerHour = HeapGrowthStatistics.requireThreshold("countThresholdPerHour", perHour);
            return this;
        }

        /**
         * Two-sided confidence level of the slopes' intervals; default
         * {@value LeakMonitor#DEFAULT_CONFIDENCE_LEVEL}.
         *
         * @throws IllegalArgumentException unless {@code 0.5 <= confidenceLevel < 1}
         */
        public Builder confidenceLevel(double confidenceLevel) {
            this.confidenceLevel = HeapGrowthStatistics.requireConfidenceLevel(confidenceLevel);
            return this;
        }

        /** Time source; tests replace it to replay hours of samples in milliseconds. */
        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The collectors to listen to; tests replace them to see how the monitor copes without notifications. */
        Builder garbageCollectors(Supplier<List<GarbageCollectorMXBean>> garbageCollectors) {
            this.garbageCollectors = Objects.requireNonNull(garbageCollectors, "garbageCollectors");
            return this;
        }

        /** A monitor that is not started yet. */
        public LeakMonitor build() {
            return new LeakMonitor(this);
        }
    }
}
