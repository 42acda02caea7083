package dev.steadfast.leak;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Forces a garbage collection and confirms that it happened, within a time bound.
 *
 * <p>{@link System#gc()} is only a request: the JVM may run it concurrently ({@code -XX:+ExplicitGCInvokesConcurrent}),
 * late, or not at all ({@code -XX:+DisableExplicitGC}). So each round allocates a fresh sentinel object, drops it, and
 * calls {@code System.gc()} until a {@link WeakReference} to the sentinel is enqueued — proof that a collection ran
 * <em>after</em> the caller's objects became unreachable. Objects with finalizers survive that first collection, and
 * so does whatever they release when finalized; hence the pending-finalization count is drained and a second,
 * independently confirmed round follows.
 *
 * <p>Stateless and thread-safe; each call uses its own sentinels and queue.
 *
 * <pre>{@code
 * if (!ForcedGc.collect(Duration.ofSeconds(5))) {
 *     warnings.add("could not confirm a garbage collection; is -XX:+DisableExplicitGC set?");
 * }
 * }</pre>
 */
final class ForcedGc {

    /** Confirmed collection rounds per call: the second one reclaims what finalizers released after the first. */
    static final int CONFIRMED_ROUNDS = 2;

    private static final long FIRST_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long FINALIZATION_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private ForcedGc() {
    }

    /**
     * Requests collections until {@value #CONFIRMED_ROUNDS} rounds are each confirmed by a weak-reference sentinel,
     * draining pending finalization in between.
     *
     * @param timeout upper bound for the whole call, must be positive
     * @return {@code true} if every round was confirmed before the timeout, {@code false} if the JVM did not collect
     *     (explicit GC disabled, or the machine too slow for the timeout); never blocks much longer than the timeout
     * @throws IllegalArgumentException if the timeout is not positive
     * @throws NullPointerException if the timeout is null
     */
    static boolean collect(Duration timeout) {
        long deadline = System.nanoTime() + requirePositive(timeout).toNanos();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int round = 0; round < CONFIRMED_ROUNDS; round++) {
            if (!collectOnce(deadline)) {
                return false;
            }
            if (round + 1 < CONFIRMED_ROUNDS && !awaitFinalization(memory, deadline)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Heap used right after a confirmed collection: as close to the live set as the JVM reports without a heap dump.
     *
     * @param timeout upper bound for the collection, must be positive
     * @return bytes of heap in use, per {@link MemoryMXBean#getHeapMemoryUsage()}
     * @throws IllegalStateException if no collection could be confirmed within the timeout; the figure would then
     *     include garbage and mislead whoever compares it
     * @throws IllegalArgumentException if the timeout is not positive
     */
    static long usedHeapAfterCollect(Duration timeout) {
        if (!collect(timeout)) {
            throw new IllegalStateException("could not confirm a garbage collection within " + timeout
                    + ": System.gc() had no effect (is -XX:+DisableExplicitGC set?) or the machine is too busy;"
                    + " remove the flag or allow a longer gcTimeout");
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static boolean collectOnce(long deadline) {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = newSentinel(queue);
        try {
            long wait = FIRST_WAIT_NANOS;
            while (true) {
                System.gc();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return sentinel.refersTo(null);
                }
                long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(wait, left)));
                if (queue.remove(waitMillis) == sentinel) {
                    return true;
                }
                wait = Math.min(MAX_WAIT_NANOS, wait * 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            // The reference object itself must stay reachable, or the JVM need not enqueue it.
            Reference.reachabilityFence(sentinel);
        }
    }

    /** In its own method so no stack slot of the caller keeps the sentinel's referent alive. */
    private static WeakReference<Object> newSentinel(ReferenceQueue<Object> queue) {
        return new WeakReference<>(new Object(), queue);
    }

    private static boolean awaitFinalization(MemoryMXBean memory, long deadline) {
        while (memory.getObjectPendingFinalizationCount() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(FINALIZATION_POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return true;
    }

    private static Duration requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return timeout;
    }
}
