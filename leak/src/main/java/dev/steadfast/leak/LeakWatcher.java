package dev.steadfast.leak;

/**
 * Accepts objects that should become unreachable soon, so that a later check can report those that did not.
 *
 * <p>Watching costs one weak reference per object; it never keeps the object alive. A {@link LeakScope} is a
 * {@code LeakWatcher}; the JUnit extension injects one into test methods.
 *
 * <pre>{@code
 * void logout_releasesSession(LeakWatcher watcher) {
 *     Session session = service.login("ann");
 *     service.logout(session);
 *     watcher.watch(session, "session after logout");
 * }
 * }</pre>
 */
@FunctionalInterface
public interface LeakWatcher {

    /**
     * Starts watching {@code object}: if it is still strongly reachable when the owning scope is checked, the check
     * reports it with {@code description} and the path that holds it.
     *
     * @param object      the object expected to become unreachable; not null
     * @param description what the object is, in words a reader of the report understands; not null or blank
     * @throws NullPointerException     if {@code object} or {@code description} is null
     * @throws IllegalArgumentException if {@code description} is blank
     * @throws IllegalStateException    if the watcher is closed
     */
    void watch(Object object, String description);
}
