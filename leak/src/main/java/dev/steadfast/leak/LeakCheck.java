package dev.steadfast.leak;

/**
 * The kinds of leak a {@link LeakScope} checks for; select them with {@link LeakDetector.Builder#checks}.
 *
 * <pre>{@code
 * LeakDetector threadsOnly = LeakDetector.builder().checks(EnumSet.of(LeakCheck.THREADS)).build();
 * }</pre>
 */
public enum LeakCheck {
    /** Threads started during the scope (by its thread or their descendants) still alive after the linger. */
    THREADS,
    /**
     * ThreadLocal entries added during the scope and never removed, on the scope's thread and on the threads it used.
     * Needs {@code --add-opens java.base/java.lang=ALL-UNNAMED}; without it the check reports that it did not run.
     */
    THREAD_LOCALS,
    /** Objects passed to {@link LeakWatcher#watch} still strongly reachable after a forced garbage collection. */
    RETAINED_OBJECTS
}
