package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.steadfast.leak.LeakMonitorSnapshot.Verdict;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Verdicts on synthetic collections fed through {@link LeakMonitor#recordCollection}; no real GC involved. */
class LeakMonitorTest {

    private static final long MB = 1L << 20;
    private static final Duration GC_EVERY = Duration.ofSeconds(20);
    /** Garbage promoted by young collections per hour, in the soak's range (1.1 .. 1.6 MB/hour measured). */
    private static final long PROMOTED_PER_HOUR = 3 * MB / 2;

    private final LeakMonitorTestClock clock = new LeakMonitorTestClock();
    private final LeakMonitor monitor = LeakMonitor.builder().clock(clock).build();

    @AfterEach
    void close() {
        monitor.close();
    }

    @Test
    void snapshot_liveHeapRisingAfterOldCollections_isGrowingWithRateAndSince() {
        replay(Duration.ofHours(2), minute -> 400 * MB + 30 * MB * minute / 60, OldCollections.ALL);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.verdict()).isEqualTo(Verdict.GROWING);
        assertThat(snapshot.heap().verdict()).isEqualTo(Verdict.GROWING);
        assertThat(snapshot.heapGrowthMegabytesPerHour()).isCloseTo(30.0, within(1.0));
        assertThat(snapshot.growingSince()).hasValueSatisfying(
                since -> assertThat(since).isBetween(LeakMonitorTestClock.START, clock.instant()));
        assertThat(snapshot.toString())
                .startsWith("Leak monitor: GROWING since ")
                .contains("heap: GROWING, ")
                .contains(" MB/hour");
    }

    @Test
    void snapshot_flatLiveHeap_isStable() {
        replay(Duration.ofHours(2), minute -> 400 * MB + (minute % 7) * MB, OldCollections.ALL);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.verdict()).isEqualTo(Verdict.STABLE);
        assertThat(snapshot.growingSince()).isEmpty();
        assertThat(snapshot.liveHeapBytes()).isBetween(400 * MB, 407 * MB);
    }

    @Test
    void snapshot_youngCollectionSawtoothOverFlatFloor_isStable() {
        // Promoted garbage raises heap-after-GC by 50 MB over 3 minutes; every third minute an old collection.
        replay(Duration.ofHours(2), minute -> 400 * MB + 50 * MB * (minute % 3) / 3, OldCollections.EVERY_THIRD_MINUTE);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.heap().verdict()).isEqualTo(Verdict.STABLE);
    }

    @Test
    void snapshot_promotedGarbageRaisingTheFloorBetweenRareOldCollections_isUnconfirmedNotGrowing() {
        // The soak's shape: a flat 15 MB live set; young collections promote garbage that raises heap after GC by
        // 1.5 MB/hour; an old-generation collection every 90 minutes (longer than the window) takes it back down.
        replay(Duration.ofMinutes(165), minute -> 15 * MB + PROMOTED_PER_HOUR * (minute % 90) / 60 + jitter(minute),
                (step, minute) -> minute % 90 == 0 && step % 3 == 0);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.heap().verdict()).as(snapshot.toString()).isEqualTo(Verdict.UNCONFIRMED);
        assertThat(snapshot.verdict()).isEqualTo(Verdict.UNCONFIRMED);
        assertThat(snapshot.heap().perHour() / MB).isCloseTo(1.5, within(0.1));
        assertThat(snapshot.growingSince()).isEmpty();
        assertThat(snapshot.toString()).contains("heap: UNCONFIRMED, ");
        assertThat(snapshot.warnings()).anySatisfy(warning -> assertThat(warning)
                .contains("heap after young collections rises")
                .contains("0 of the 12 time slots")
                .contains("not a leak verdict"));
    }

    @Test
    void snapshot_sameSawtoothWithOldCollectionsInEnoughSlots_isStable() {
        // Old-generation collections every 15 minutes: 4 of the 12 slots follow one, and the floor they show is flat.
        replay(Duration.ofMinutes(165), minute -> 15 * MB + PROMOTED_PER_HOUR * (minute % 15) / 60 + jitter(minute),
                (step, minute) -> minute % 15 == 0 && step % 3 == 0);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.heap().verdict()).as(snapshot.toString()).isEqualTo(Verdict.STABLE);
        assertThat(snapshot.warnings()).noneMatch(warning -> warning.contains("young collections"));
    }

    @Test
    void snapshot_leakUnderTheSawtoothWithOldCollectionsInEnoughSlots_isGrowing() {
        // The same sawtooth over a live set that grows 3 MB/hour: the samples after old collections confirm it.
        replay(Duration.ofMinutes(165), minute -> 15 * MB + 3 * MB * minute / 60 + PROMOTED_PER_HOUR * (minute % 15)
                / 60 + jitter(minute), (step, minute) -> minute % 15 == 0 && step % 3 == 0);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.heap().verdict()).as(snapshot.toString()).isEqualTo(Verdict.GROWING);
        assertThat(snapshot.heapGrowthMegabytesPerHour()).isCloseTo(3.0, within(0.5));
    }

    @Test
    void snapshot_leakHiddenByAnOldCollectionMidWindow_isNotCalledStable() {
        // A live set growing 2 MB/hour under 3 MB/hour of promoted garbage, one old collection in the middle of the
        // window: a line through every collection's floor falls across the drop (+0.5 MB/hour, "stable"); the floor
        // since that collection shows the growth, which rare old collections cannot yet confirm.
        replay(Duration.ofMinutes(150), minute -> 15 * MB + 2 * MB * minute / 60 + 3 * MB * (minute % 120) / 60
                + jitter(minute), (step, minute) -> minute % 120 == 0 && step % 3 == 0);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.heap().verdict()).as(snapshot.toString()).isEqualTo(Verdict.UNCONFIRMED);
        assertThat(snapshot.heap().perHour() / MB).isCloseTo(5.0, within(0.3));
    }

    @Test
    void snapshot_onlyYoungCollections_usesAllCollectionsAndSaysSo() {
        replay(Duration.ofHours(2), minute -> 400 * MB, OldCollections.NONE);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.heap().verdict()).isEqualTo(Verdict.STABLE);
        assertThat(snapshot.oldGenerationCollections()).isZero();
        assertThat(snapshot.warnings()).anySatisfy(warning -> assertThat(warning)
                .startsWith("heap trend from heap after young collections: only 0 of the 12 time slots in the"
                        + " window followed an old-generation collection (none since the monitor started)")
                .endsWith("so a flat floor means a flat live set"));
    }

    @Test
    void snapshot_beforeEnoughData_isInsufficientData() {
        replay(Duration.ofMinutes(10), minute -> 400 * MB + minute * MB, OldCollections.ALL);

        assertThat(monitor.snapshot().verdict()).isEqualTo(Verdict.INSUFFICIENT_DATA);
        assertThat(monitor.snapshot().heap().toString()).startsWith("heap: INSUFFICIENT_DATA, ");
    }

    @Test
    void registerSize_registryThatOnlyGrows_isGrowingWhileHeapIsStable() {
        AtomicLong sessions = new AtomicLong();
        monitor.registerSize("sessions", sessions::get);

        replay(Duration.ofHours(2), minute -> {
            sessions.addAndGet(2);
            return 400 * MB;
        }, OldCollections.ALL);
        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.heap().verdict()).isEqualTo(Verdict.STABLE);
        assertThat(snapshot.verdict()).isEqualTo(Verdict.GROWING);
        assertThat(snapshot.registries()).singleElement().satisfies(series -> {
            assertThat(series.name()).isEqualTo("sessions");
            assertThat(series.verdict()).isEqualTo(Verdict.GROWING);
            assertThat(series.perHour()).as("2 per collection, 180 collections per hour")
                    .isCloseTo(360.0, within(10.0));
        });
        assertThat(snapshot.registrySizes()).containsEntry("sessions", sessions.get());
    }

    @Test
    void registerSize_registryThatFillsAndDrains_isStable() {
        AtomicLong connections = new AtomicLong();
        monitor.registerSize("connections", connections::get);

        replay(Duration.ofHours(2), minute -> {
            connections.set(10 + (minute % 4) * 25);
            return 400 * MB;
        }, OldCollections.ALL);

        assertThat(monitor.snapshot().registries().get(0).verdict()).isEqualTo(Verdict.STABLE);
    }

    @Test
    void registerSize_supplierFails_warningNamesItAndMonitorKeepsWorking() {
        monitor.registerSize("broken", () -> {
            throw new IllegalStateException("registry closed");
        });
        replay(Duration.ofHours(2), minute -> 400 * MB, OldCollections.ALL);

        LeakMonitorSnapshot snapshot = monitor.snapshot();

        assertThat(snapshot.warnings()).contains(
                "size 'broken' could not be read: java.lang.IllegalStateException: registry closed");
        assertThat(snapshot.heap().verdict()).isEqualTo(Verdict.STABLE);
    }

    @Test
    void unregisterSize_removesItsSeries() {
        monitor.registerSize("sessions", () -> 1);

        assertThat(monitor.unregisterSize("sessions")).isTrue();

        assertThat(monitor.snapshot().registries()).isEmpty();
        assertThat(monitor.unregisterSize("sessions")).isFalse();
    }

    @Test
    void registerSize_sameNameTwice_isRejected() {
        monitor.registerSize("sessions", () -> 1);

        assertThatThrownBy(() -> monitor.registerSize("sessions", () -> 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a size named 'sessions' is already registered; unregister it first or choose another"
                        + " name");
    }

    @Test
    void registerSize_reservedName_isRejected() {
        assertThatThrownBy(() -> monitor.registerSize("heap", () -> 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size name 'heap' is reserved for the monitor's own series; choose another name");
    }

    @Test
    void registerSize_blankName_isRejected() {
        assertThatThrownBy(() -> monitor.registerSize(" ", () -> 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size name must not be blank: ' '");
    }

    @Test
    void snapshot_notStarted_saysSo() {
        assertThat(monitor.snapshot().warnings())
                .contains("not started: call start() to listen to garbage collections");
    }

    @Test
    void start_twice_isRejected() {
        monitor.start();

        assertThatThrownBy(monitor::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("LeakMonitor can be started once; it is running (build a new one to start again)");
    }

    @Test
    void window_underOneMinute_isRejected() {
        assertThatThrownBy(() -> LeakMonitor.builder().window(Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window must be at least PT1M: PT30S");
    }

    @Test
    void heapThresholdBytesPerHour_negative_isRejected() {
        assertThatThrownBy(() -> LeakMonitor.builder().heapThresholdBytesPerHour(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("heapThresholdBytesPerHour must not be negative: -1");
    }

    @Test
    void countThresholdPerHour_infinite_isRejected() {
        assertThatThrownBy(() -> LeakMonitor.builder().countThresholdPerHour(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("countThresholdPerHour must be a finite number >= 0: Infinity");
    }

    @Test
    void confidenceLevel_belowHalf_isRejected() {
        assertThatThrownBy(() -> LeakMonitor.builder().confidenceLevel(0.2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("confidenceLevel must be at least 0.5 and below 1: 0.2");
    }

    private enum OldCollections { ALL, EVERY_THIRD_MINUTE, NONE }

    /** One collection every {@link #GC_EVERY}; the heap figure is a function of the minute since the start. */
    private void replay(Duration duration, LongUnaryOperator heapAtMinute, OldCollections old) {
        replay(duration, heapAtMinute, (step, minute) -> old == OldCollections.ALL
                || old == OldCollections.EVERY_THIRD_MINUTE && minute % 3 == 0 && step % 3 == 0);
    }

    /** As above; {@code oldCollection} says which steps (and minutes) reclaim old-generation space. */
    private void replay(Duration duration, LongUnaryOperator heapAtMinute, LongBinaryPredicate oldCollection) {
        long steps = duration.toMillis() / GC_EVERY.toMillis();
        for (long step = 0; step < steps; step++) {
            clock.advance(GC_EVERY);
            long minute = step * GC_EVERY.toSeconds() / 60;
            monitor.recordCollection(clock.millis(), heapAtMinute.applyAsLong(minute), oldCollection.test(step, minute));
        }
    }

    /** Deterministic noise of up to 80 KB: survivors and allocation buffers vary from one collection to the next. */
    private static long jitter(long minute) {
        return (minute * 7 % 5) * 20 * 1024;
    }

    @FunctionalInterface
    private interface LongBinaryPredicate {
        boolean test(long step, long minute);
    }
}
