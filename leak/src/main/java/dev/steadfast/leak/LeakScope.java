package dev.steadfast.leak;

import java.util.Objects;

/**
 * A region of execution whose leaks are checked: threads its thread and their descendants start, ThreadLocal entries
 * they add, objects it is asked to watch. Opened with {@link LeakDetector#open(String)}.
 *
 * <p>States: OPEN (tracking; {@link #watch} and {@link #check()} may be called any number of times) then CLOSED
 * (terminal; {@link #close()} is idempotent, {@link #watch} and {@link #check()} throw). Open and close a scope on
 * the same thread; {@link #check()} may run on any thread.
 *
 * <pre>{@code
 * try (LeakScope scope = LeakDetector.ofDefaults().open("cache eviction")) {
 *     cache.put(key, value);
 *     scope.watch(value, "evicted value");
 *     cache.evictAll();
 *     value = null;
 *     LeakReport report = scope.check();
 *     if (!report.isClean()) throw new AssertionError(report);
 * }
 * }</pre>
 */
public final class LeakScope implements LeakWatcher, AutoCloseable {

    private final LeakDetector detector;
    private final String name;
    private final Class<?> ownerClass;

    LeakScope(LeakDetector detector, String name, Class<?> ownerClass) {
        this.detector = Objects.requireNonNull(detector, "detector");
        this.name = name;
        this.ownerClass = ownerClass;
    }

    /** @return the name the scope was opened with */
    public String name() {
        return name;
    }

    @Override
    public void watch(Object object, String description) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Runs the configured checks: waits up to the linger for threads started in the scope to end (returning as soon
     * as they have), reads ThreadLocal maps, and - only when something is watched - forces garbage collection and
     * computes retention paths for survivors.
     *
     * @return the report; never null
     * @throws IllegalStateException if the scope is closed
     */
    public LeakReport check() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Stops tracking: threads constructed from now on are no longer attributed to this scope. Idempotent. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "LeakScope{" + name + ", " + detector + (ownerClass == null ? "" : ", owner=" + ownerClass.getName())
                + '}';
    }
}
