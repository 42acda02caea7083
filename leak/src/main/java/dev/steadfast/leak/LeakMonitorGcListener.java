package dev.steadfast.leak;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the JVM's end-of-collection notifications and passes the live heap after each collection to a
 * {@link LeakMonitor}.
 *
 * <p>All use of {@code com.sun.management} is confined to this class, so that a runtime without the
 * {@code jdk.management} module fails here, with a {@link LinkageError} the monitor turns into a warning, and nowhere
 * else.
 *
 * <pre>{@code
 * LeakMonitorGcListener listener = new LeakMonitorGcListener(heapPools, oldPools, sink, warnings::add);
 * listener.register(ManagementFactory.getGarbageCollectorMXBeans());
 * ...
 * listener.unregister();
 * }</pre>
 */
final class LeakMonitorGcListener implements NotificationListener {

    private static final Logger LOG = LoggerFactory.getLogger(LeakMonitorGcListener.class);

    /** Where each observed collection goes. */
    @FunctionalInterface
    interface Sink {
        void collection(long heapAfterBytes, boolean oldGenerationCollected);
    }

    private static final NotificationFilter GC_ONLY =
            notification -> GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                    .equals(notification.getType());

    private final Set<String> heapPools;
    private final Set<String> oldPools;
    private final Sink sink;
    private final Consumer<Throwable> failures;
    private final List<NotificationEmitter> registered = new ArrayList<>();
    /** Old-generation usage after the previous collection, per pool; touched only by the notification thread. */
    private final Map<String, Long> oldUsedAfterPrevious = new ConcurrentHashMap<>();

    /**
     * @param heapPools names of the heap memory pools, whose after-collection usage is added up
     * @param oldPools names of the old-generation pools among them (empty for single-space collectors)
     * @param sink receives each collection
     * @param failures receives what went wrong handling a notification; never thrown into the JMX thread
     */
    LeakMonitorGcListener(Set<String> heapPools, Set<String> oldPools, Sink sink, Consumer<Throwable> failures) {
        this.heapPools = Set.copyOf(heapPools);
        this.oldPools = Set.copyOf(oldPools);
        this.sink = sink;
        this.failures = failures;
    }

    /**
     * Adds this listener to every collector that emits notifications.
     *
     * @return names of the collectors that do not emit notifications (none on HotSpot)
     */
    synchronized List<String> register(List<GarbageCollectorMXBean> collectors) {
        List<String> silent = new ArrayList<>();
        for (GarbageCollectorMXBean collector : collectors) {
            if (collector instanceof NotificationEmitter) {
                NotificationEmitter emitter = (NotificationEmitter) collector;
                emitter.addNotificationListener(this, GC_ONLY, null);
                registered.add(emitter);
            } else {
                silent.add(collector.getName());
            }
        }
        return silent;
    }

    synchronized int registeredCount() {
        return registered.size();
    }

    /** Removes this listener from every collector it was added to. */
    synchronized void unregister() {
        for (NotificationEmitter emitter : registered) {
            try {
                emitter.removeNotificationListener(this, GC_ONLY, null);
            } catch (ListenerNotFoundException e) {
                // Already gone, which is the state we want.
            }
        }
        registered.clear();
    }

    @Override
    public synchronized void handleNotification(Notification notification, Object handback) {
        // The JMX emitter copies its listener list before dispatching, so a notification already under way when
        // unregister() ran still arrives here; after unregister() (which holds this lock) nothing may be recorded.
        if (registered.isEmpty()) {
            return;
        }
        try {
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            if (!endsACollection(info.getGcName(), info.getGcAction())) {
                return;
            }
            GcInfo gc = info.getGcInfo();
            Map<String, MemoryUsage> after = gc.getMemoryUsageAfterGc();
            long heapAfter = 0;
            for (String pool : heapPools) {
                MemoryUsage usage = after.get(pool);
                if (usage != null) {
                    heapAfter += usage.getUsed();
                }
            }
            boolean old = reclaimedOldGeneration(majorAction(info.getGcName(), info.getGcAction()),
                    gc.getMemoryUsageBeforeGc(), after);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} / {} / {}: heap after {} bytes, old generation {} -> {} bytes, reclaimed old: {}",
                        info.getGcName(), info.getGcAction(), info.getGcCause(), heapAfter,
                        oldUsed(gc.getMemoryUsageBeforeGc()), oldUsed(after), old);
            }
            sink.collection(heapAfter, old);
        } catch (RuntimeException e) {
            // A JMX notification thread must not die because one notification looked unexpected.
            failures.accept(e);
        }
    }

    /**
     * Whether a notification reports the end of a collection, after which the heap in use is survivors plus old
     * generation. Not so for pauses inside a concurrent cycle, where eden is still full: ZGC's and Shenandoah's
     * "Pauses" collectors, and G1's "G1 Concurrent GC" (JDK 20 and later: its Remark and Cleanup pauses, action
     * "end of concurrent GC pause"). Old regions such a cycle frees are seen at the next young collection, whose
     * old generation is then smaller than after the previous one.
     */
    static boolean endsACollection(String gcName, String gcAction) {
        return !gcName.endsWith(" Pauses") && !"end of concurrent GC pause".equals(gcAction);
    }

    /** Generational ZGC names its old-generation cycles by collector ("ZGC Major Cycles"), not by action. */
    private static String majorAction(String gcName, String gcAction) {
        return gcName.contains("Major") ? "end of major GC" : gcAction;
    }

    private long oldUsed(Map<String, MemoryUsage> usage) {
        long used = 0;
        for (String pool : oldPools) {
            MemoryUsage pooled = usage.get(pool);
            used += pooled == null ? 0 : pooled.getUsed();
        }
        return used;
    }

    /**
     * Whether heap after this collection follows a reclamation of old-generation space, during it or since the
     * previous collection; remembers this collection's old-generation usage for the next call.
     */
    boolean reclaimedOldGeneration(String gcAction, Map<String, MemoryUsage> before, Map<String, MemoryUsage> after) {
        boolean reclaimed = collectedOldGeneration(gcAction, before, after, oldPools) || shrankSincePrevious(before);
        for (String pool : oldPools) {
            MemoryUsage usage = after.get(pool);
            if (usage != null) {
                oldUsedAfterPrevious.put(pool, usage.getUsed());
            }
        }
        return reclaimed;
    }

    /**
     * Whether old-generation space was reclaimed between the previous collection and this one: G1's concurrent cycle
     * frees whole empty regions at its Remark and Cleanup pauses, which JDK 17 reports through no collector.
     */
    private boolean shrankSincePrevious(Map<String, MemoryUsage> before) {
        for (String pool : oldPools) {
            Long previous = oldUsedAfterPrevious.get(pool);
            MemoryUsage now = before.get(pool);
            if (previous != null && now != null && now.getUsed() < previous) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the collection reclaimed old-generation space, so that heap after it approximates the live set: a
     * full ("major") collection, an old pool that shrank (G1 mixed collections), or any collection when the heap has
     * no separate old generation.
     */
    static boolean collectedOldGeneration(String gcAction, Map<String, MemoryUsage> before,
            Map<String, MemoryUsage> after, Set<String> oldPools) {
        if (gcAction != null && gcAction.contains("major") || oldPools.isEmpty()) {
            return true;
        }
        for (String pool : oldPools) {
            MemoryUsage was = before.get(pool);
            MemoryUsage is = after.get(pool);
            if (was != null && is != null && is.getUsed() < was.getUsed()) {
                return true;
            }
        }
        return false;
    }
}
