package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import org.junit.jupiter.api.Test;

/** The monitor against this JVM's real garbage collectors and their notifications. */
class LeakMonitorGcNotificationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void start_realCollections_areObservedWithTheirLiveHeap() {
        try (LeakMonitor monitor = LeakMonitor.ofDefaults().start()) {
            assertThat(monitor.listeningTo()).isPositive();

            await().atMost(PATIENCE).untilAsserted(() -> {
                System.gc();
                assertThat(monitor.snapshot().collections()).isPositive();
            });

            LeakMonitorSnapshot snapshot = monitor.snapshot();
            assertThat(snapshot.liveHeapBytes()).isPositive();
            assertThat(snapshot.liveThreads()).isPositive();
            assertThat(snapshot.warnings()).noneMatch(warning -> warning.contains("notification"));
        }
    }

    @Test
    void close_removesTheListenerFromEveryCollector() throws ListenerNotFoundException {
        LeakMonitor monitor = LeakMonitor.ofDefaults().start();
        await().atMost(PATIENCE).untilAsserted(() -> {
            System.gc();
            assertThat(monitor.snapshot().collections()).isPositive();
        });

        monitor.close();
        long seenBeforeClose = monitor.snapshot().collections();

        // A listener added after the monitor's is called after it for the same notification: once it has seen a
        // collection, the monitor would have seen it too had it still been listening.
        AtomicInteger barrier = new AtomicInteger();
        NotificationListener counting = (notification, handback) -> barrier.incrementAndGet();
        List<NotificationEmitter> emitters = new ArrayList<>();
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            NotificationEmitter emitter = (NotificationEmitter) collector;
            emitter.addNotificationListener(counting, null, null);
            emitters.add(emitter);
        }
        try {
            await().atMost(PATIENCE).untilAsserted(() -> {
                System.gc();
                assertThat(barrier.get()).isPositive();
            });
        } finally {
            for (NotificationEmitter emitter : emitters) {
                emitter.removeNotificationListener(counting);
            }
        }

        assertThat(monitor.listeningTo()).isZero();
        assertThat(monitor.snapshot().collections()).isEqualTo(seenBeforeClose);
        assertThat(monitor.snapshot().warnings()).contains("closed: figures are those gathered until close()");
    }

    @Test
    void start_collectorsWithoutNotifications_readsPoolsAtSnapshotAndSaysSo() {
        GarbageCollectorMXBean silent = new SilentCollector();
        try (LeakMonitor monitor = LeakMonitor.builder().garbageCollectors(() -> List.of(silent)).build().start()) {
            System.gc();

            LeakMonitorSnapshot snapshot = monitor.snapshot();

            assertThat(monitor.listeningTo()).isZero();
            assertThat(snapshot.warnings()).contains(
                    "collectors without notifications, not observed: [silent collector]",
                    "no garbage collector emits notifications: heap after collection is read from the memory pools"
                            + " at each snapshot() only");
            assertThat(snapshot.heap().samples()).isPositive();
            assertThat(snapshot.liveHeapBytes()).isPositive();
        }
    }

    @Test
    void collectedOldGeneration_majorCollection_counts() {
        assertThat(LeakMonitorGcListener.collectedOldGeneration("end of major GC", Map.of(), Map.of(),
                Set.of("G1 Old Gen"))).isTrue();
    }

    @Test
    void collectedOldGeneration_minorCollectionThatShrankOldGen_counts() {
        assertThat(LeakMonitorGcListener.collectedOldGeneration("end of minor GC",
                Map.of("G1 Old Gen", usage(300)), Map.of("G1 Old Gen", usage(200)), Set.of("G1 Old Gen"))).isTrue();
    }

    @Test
    void collectedOldGeneration_minorCollectionThatPromoted_doesNotCount() {
        assertThat(LeakMonitorGcListener.collectedOldGeneration("end of minor GC",
                Map.of("G1 Old Gen", usage(300)), Map.of("G1 Old Gen", usage(310)), Set.of("G1 Old Gen"))).isFalse();
    }

    @Test
    void collectedOldGeneration_singleSpaceCollector_alwaysCounts() {
        assertThat(LeakMonitorGcListener.collectedOldGeneration("end of GC cycle",
                Map.of("Shenandoah", usage(300)), Map.of("Shenandoah", usage(310)), Set.of())).isTrue();
    }

    @Test
    void reclaimedOldGeneration_oldGenFreedConcurrentlyBetweenTwoYoungCollections_counts() {
        LeakMonitorGcListener listener = new LeakMonitorGcListener(Set.of("G1 Old Gen", "G1 Eden Space"),
                Set.of("G1 Old Gen"), (heap, old) -> { }, failure -> { });

        boolean promoting = listener.reclaimedOldGeneration("end of minor GC",
                Map.of("G1 Old Gen", usage(220)), Map.of("G1 Old Gen", usage(230)));
        // G1's concurrent cycle frees empty old regions at Remark/Cleanup, reported by no collector on JDK 17.
        boolean afterConcurrentCycle = listener.reclaimedOldGeneration("end of minor GC",
                Map.of("G1 Old Gen", usage(40)), Map.of("G1 Old Gen", usage(45)));
        boolean promotingAgain = listener.reclaimedOldGeneration("end of minor GC",
                Map.of("G1 Old Gen", usage(45)), Map.of("G1 Old Gen", usage(52)));

        assertThat(promoting).isFalse();
        assertThat(afterConcurrentCycle).isTrue();
        assertThat(promotingAgain).isFalse();
    }

    @Test
    void endsACollection_g1ConcurrentCyclePauses_doNotCount() {
        // JDK 20+: Remark and Cleanup, with eden still full; measured on JDK 25 with G1.
        assertThat(LeakMonitorGcListener.endsACollection("G1 Concurrent GC", "end of concurrent GC pause")).isFalse();
        assertThat(LeakMonitorGcListener.endsACollection("ZGC Major Pauses", "end of GC pause")).isFalse();
        assertThat(LeakMonitorGcListener.endsACollection("G1 Young Generation", "end of minor GC")).isTrue();
        assertThat(LeakMonitorGcListener.endsACollection("ZGC Major Cycles", "end of GC cycle")).isTrue();
    }

    private static MemoryUsage usage(long usedMegabytes) {
        long used = usedMegabytes << 20;
        return new MemoryUsage(0, used, used, -1);
    }

    /** A collector MXBean that emits no notifications, as on JVMs without the HotSpot extensions. */
    private static final class SilentCollector implements GarbageCollectorMXBean {
        @Override
        public long getCollectionCount() {
            return 0;
        }

        @Override
        public long getCollectionTime() {
            return 0;
        }

        @Override
        public String getName() {
            return "silent collector";
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public String[] getMemoryPoolNames() {
            return new String[0];
        }

        @Override
        public javax.management.ObjectName getObjectName() {
            return null;
        }
    }
}
