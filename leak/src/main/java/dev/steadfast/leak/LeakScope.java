package dev.steadfast.leak;

import dev.steadfast.diagnostics.ThreadLocalEntry;
import dev.steadfast.diagnostics.ThreadLocalMaps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.ReferenceQueue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A region of execution whose leaks are checked: threads its thread and their descendants start, ThreadLocal entries
 * they add, objects it is asked to watch. Opened with {@link LeakDetector#open(String)}.
 *
 * <p>States: OPEN (tracking; {@link #watch} and {@link #check()} may be called any number of times) then CLOSED
 * (terminal; {@link #close()} is idempotent, {@link #watch} and {@link #check()} throw). Open and close a scope on
 * the same thread; {@link #check()} may run on any thread, one check at a time.
 *
 * <p>What is attributed to the scope:
 * <ul>
 *   <li>Threads: those constructed while it is open by its opening thread or by any thread that thread (transitively)
 *       constructed - including pool workers an executor creates lazily inside {@code execute()}. Scopes open at the
 *       same time on other threads never see each other's threads.</li>
 *   <li>ThreadLocal entries: new entries on the opening thread, on live threads started in the scope, and on shared
 *       threads started before it (pool threads). On a shared thread the entry cannot be traced to a scope, so when
 *       another scope was open at the same time (tests running in parallel) it is reported in
 *       {@link LeakReport#warnings()} rather than as this scope's leak; so is an entry on a thread an earlier, closed
 *       scope left running (that thread is the earlier scope's leak: no cascade). Entries holding {@code null} retain
 *       nothing and are ignored, as are the JDK's own per-thread caches. Threads running another open scope, and JVM
 *       and test-tool threads, are left alone.</li>
 * </ul>
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
    private final Thread openingThread;
    private final ThreadLocalMaps maps = ThreadLocalMaps.create();
    private final ScopeMarker marker;
    private final OpenScopes.Ticket ticket;
    private final List<Class<?>> fieldSearchHints;
    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final List<WatchedReference> watched = new ArrayList<>(); // guarded by this
    private final Set<Long> threadIdsAtOpen; // before/after fallback when maps cannot be read
    private final ThreadLocalCheck threadLocalCheck; // null when the check is off or cannot run
    private volatile boolean closed;

    LeakScope(LeakDetector detector, String name, Class<?> ownerClass) {
        this.detector = Objects.requireNonNull(detector, "detector");
        this.name = name;
        this.openingThread = Thread.currentThread();
        this.marker = new ScopeMarker(name);
        this.fieldSearchHints = fieldSearchHints(ownerClass);
        boolean readable = maps.isAvailable();
        this.threadIdsAtOpen = !readable && detector.checks().contains(LeakCheck.THREADS) ? liveThreadIds() : Set.of();
        this.ticket = OpenScopes.open();
        this.threadLocalCheck = readable && detector.checks().contains(LeakCheck.THREAD_LOCALS)
                ? new ThreadLocalCheck(detector, maps, openingThread, marker, ticket, fieldSearchHints, name) : null;
        marker.set(ScopeMarker.OPENER);
    }

    /** @return the name the scope was opened with */
    public String name() {
        return name;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Costs one weak reference; a forced collection is paid only by a {@link #check()} that has something to
     * watch. Ignored (and said so in the report) when {@link LeakCheck#RETAINED_OBJECTS} is not among the checks.
     */
    @Override
    public void watch(Object object, String description) {
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(description, "description");
        if (description.isBlank()) {
            throw new IllegalArgumentException("description must not be blank: say what the watched "
                    + object.getClass().getName() + " is, e.g. \"session after logout\"");
        }
        synchronized (this) {
            requireOpen();
            watched.add(new WatchedReference(object, description, queue));
        }
    }

    /**
     * Runs the configured checks: waits up to the linger for threads started in the scope to end (returning as soon
     * as they have), reads ThreadLocal maps, and - only when something is watched - forces garbage collection and
     * computes retention paths for survivors.
     *
     * @return the report; never null
     * @throws IllegalStateException if the scope is closed
     */
    public synchronized LeakReport check() {
        requireOpen();
        List<String> warnings = new ArrayList<>();
        Set<LeakCheck> notRun = EnumSet.noneOf(LeakCheck.class);
        Set<LeakCheck> checks = detector.checks();
        List<LeakNote> notes = new ArrayList<>();
        List<ThreadLeak> threads = checks.contains(LeakCheck.THREADS) ? checkThreads(warnings, notes) : List.of();
        List<ThreadLocalLeak> threadLocals = List.of();
        if (checks.contains(LeakCheck.THREAD_LOCALS)) {
            if (threadLocalCheck != null) {
                ThreadLocalCheck.Result result = threadLocalCheck.check(warnings);
                threadLocals = result.leaks();
                notes.addAll(result.notes());
            } else {
                notRun.add(LeakCheck.THREAD_LOCALS);
                String reason = maps.unavailableReason().orElse("ThreadLocal maps cannot be read").strip();
                warnings.add("ThreadLocal check did not run: " + reason + (reason.endsWith(".") ? " " : ". ")
                        + "To skip it knowingly instead, leave THREAD_LOCALS out of LeakDetector.Builder.checks(...).");
            }
        }
        List<RetainedObject> retained = List.of();
        if (checks.contains(LeakCheck.RETAINED_OBJECTS)) {
            retained = checkRetained(warnings);
        } else if (!watched.isEmpty()) {
            warnings.add(Texts.plural(watched.size(), "object was", "objects were")
                    + " watched but RETAINED_OBJECTS is not among the checks " + checks + ", so it was not checked");
        }
        return new LeakReport(name, detector.linger(), threads, threadLocals, retained, notes, warnings, notRun);
    }

    /**
     * Stops tracking: threads constructed from now on are no longer attributed to this scope, and the scope's own
     * marker is removed from the opening thread (when called on it). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        marker.close();
        if (Thread.currentThread() == openingThread) {
            marker.remove();
        }
        ticket.close();
        synchronized (this) {
            watched.clear();
            if (threadLocalCheck != null) {
                threadLocalCheck.clear();
            }
        }
    }

    @Override
    public String toString() {
        return "LeakScope{" + name + (closed ? ", closed" : ", open") + ", opened on \"" + openingThread.getName()
                + "\", " + detector + '}';
    }

    // ---------------------------------------------------------------------------------------------------- threads

    private List<ThreadLeak> checkThreads(List<String> warnings, List<LeakNote> notes) {
        Map<Thread, ScopeMarker.Origin> candidates = new IdentityHashMap<>();
        if (maps.isAvailable()) {
            // Every thread constructed in the scope passed through the marker's childValue: none means nothing to find.
            Thread[] live = marker.threadsCreated() == 0 ? new Thread[0] : liveThreads();
            for (Thread thread : live) {
                ScopeMarker.Origin origin = thread == openingThread ? null : originOf(thread);
                if (origin != null && !detector.ignores(thread)
                        && !detector.ignoresCreationSite(origin.creationSite())) {
                    candidates.put(thread, origin);
                }
            }
        } else {
            warnings.add("Thread leaks were found by comparing live threads before and after the scope, because "
                    + "creation tracking needs " + ThreadLocalMaps.ADD_OPENS + ": when scopes run in parallel, a "
                    + "thread another scope started may be reported here, and creation sites are unknown. Start the "
                    + "JVM with " + ThreadLocalMaps.ADD_OPENS + " for exact attribution.");
            if (marker.threadsCreated() > 0) {
                for (Thread thread : liveThreads()) {
                    if (thread != openingThread && !threadIdsAtOpen.contains(thread.getId())
                            && !detector.ignores(thread)) {
                        candidates.put(thread, null);
                    }
                }
            }
        }
        if (!awaitEnd(candidates.keySet())) {
            warnings.add("Interrupted while waiting up to " + Texts.duration(detector.linger())
                    + " for threads to end: the thread check reports those alive at the interrupt");
        }
        List<ThreadLeak> leaks = new ArrayList<>();
        for (Map.Entry<Thread, ScopeMarker.Origin> candidate : candidates.entrySet()) {
            Thread thread = candidate.getKey();
            if (!thread.isAlive()) {
                continue;
            }
            ScopeMarker.Origin origin = candidate.getValue();
            ThreadLeak leak = new ThreadLeak(thread.getName(), thread.getId(), thread.getState(), thread.isDaemon(),
                    Arrays.asList(thread.getStackTrace()),
                    origin == null ? Optional.empty() : Optional.of(origin.creator()),
                    origin == null ? List.of() : origin.creationSite());
            Optional<String> singleton = origin == null || detector.strict() ? Optional.empty()
                    : singletons().why(thread, origin.creationSite());
            if (singleton.isPresent()) {
                notes.add(LibrarySingletonThreads.note(leak, singleton.get()));
            } else {
                leaks.add(leak);
            }
        }
        leaks.sort(Comparator.comparingLong(ThreadLeak::id));
        return leaks;
    }

    /** Made only when a thread outlived the linger: the rare case pays for the class lookups. */
    private LibrarySingletonThreads singletons() {
        ClassLoader loader = fieldSearchHints.isEmpty() ? null : fieldSearchHints.get(0).getClassLoader();
        if (loader == null) {
            loader = openingThread.getContextClassLoader();
        }
        return new LibrarySingletonThreads(fieldSearchHints, loader);
    }

    /** Waits until the threads end or the linger passes, returning at once when they have ended. */
    private boolean awaitEnd(Set<Thread> threads) {
        long deadline = System.nanoTime() + detector.linger().toNanos();
        for (Thread thread : threads) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** @return the origin recorded when this scope's thread (or a descendant) constructed {@code thread}, or null */
    private ScopeMarker.Origin originOf(Thread thread) {
        for (ThreadLocalEntry entry : safeEntries(thread)) {
            if (entry.threadLocal() == marker) {
                return (ScopeMarker.Origin) entry.value();
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------- retained objects

    private List<RetainedObject> checkRetained(List<String> warnings) {
        dropCollected();
        if (watched.isEmpty()) {
            return List.of();
        }
        if (!ForcedGc.collect(detector.gcTimeout())) {
            warnings.add("Garbage collection could not be confirmed within " + Texts.duration(detector.gcTimeout())
                    + " (is -XX:+DisableExplicitGC set? raise LeakDetector.Builder.gcTimeout on a slow machine): "
                    + "watched objects reported as retained may merely not have been collected yet");
        }
        dropCollected();
        if (watched.isEmpty()) {
            return List.of();
        }
        RetentionPaths.Result paths = new RetentionPaths.Result(Map.of(), Set.of());
        Path dump = null;
        if (detector.retentionPaths()) {
            try {
                Path directory = detector.keepHeapDumps().orElse(null);
                dump = RetentionPaths.dump(directory != null ? directory : tempDirectory(), name);
                paths = RetentionPaths.compute(dump, watched.stream().map(w -> w.key).collect(Collectors.toSet()));
            } catch (IOException | UncheckedIOException | UnsupportedOperationException | IllegalArgumentException
                     | IllegalStateException e) {
                // Shark reports malformed dumps with IllegalStateException/IllegalArgumentException; the leak stands,
                // only its explanation is missing.
                warnings.add("Retention paths could not be computed (" + e + "); the retained objects below are "
                        + "still leaks");
            } finally {
                if (dump != null && detector.keepHeapDumps().isEmpty()) {
                    deleteQuietly(dump, warnings);
                    dump = null;
                }
            }
        }
        List<RetainedObject> retained = new ArrayList<>();
        for (WatchedReference reference : watched) {
            // The dump's own collection may have cleared a reference the forced collection missed: then it is gone.
            if (reference.get() == null) {
                continue;
            }
            if (paths.notStronglyReachable().contains(reference.key)) {
                warnings.add("\"" + reference.description + "\" (" + reference.type + ") is still in memory but not "
                        + "strongly reachable: only soft, weak or phantom references (or pending finalization) hold "
                        + "it, so the JVM frees it when memory runs low. Not reported as a leak.");
                continue;
            }
            retained.add(new RetainedObject(reference.description, reference.type,
                    Optional.ofNullable(paths.paths().get(reference.key)), Optional.ofNullable(dump)));
        }
        dropCollected();
        return retained;
    }

    private void dropCollected() {
        boolean any = false;
        while (queue.poll() != null) {
            any = true;
        }
        if (any || !watched.isEmpty()) {
            watched.removeIf(reference -> reference.get() == null);
        }
    }

    private static Path tempDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static void deleteQuietly(Path dump, List<String> warnings) {
        try {
            Files.deleteIfExists(dump);
        } catch (IOException e) {
            warnings.add("Could not delete heap dump " + dump + ": " + e.getMessage());
        }
    }

    // -------------------------------------------------------------------------------------------------- helpers

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("leak scope \"" + name + "\" is closed; open a new one with "
                    + "LeakDetector.open(...)");
        }
    }

    private List<ThreadLocalEntry> safeEntries(Thread thread) {
        try {
            return maps.entries(thread);
        } catch (RuntimeException racyRead) {
            // Reading another thread's map races with its writes; a torn read is rare and only loses this thread.
            return List.of();
        }
    }

    private List<Class<?>> fieldSearchHints(Class<?> ownerClass) {
        Set<Class<?>> hints = new LinkedHashSet<>();
        if (ownerClass != null) {
            hints.add(ownerClass);
        }
        StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).forEach(frame -> {
            Class<?> type = frame.getDeclaringClass();
            if (type != LeakScope.class && type != LeakDetector.class && !ThreadLocalFields.isJdk(type)) {
                hints.add(type);
            }
        });
        return List.copyOf(hints);
    }

    static Thread[] liveThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads;
        int count;
        do {
            threads = new Thread[root.activeCount() * 2 + 16];
            count = root.enumerate(threads, true);
        } while (count == threads.length);
        return Arrays.copyOf(threads, count);
    }

    private static Set<Long> liveThreadIds() {
        Set<Long> ids = new HashSet<>();
        for (Thread thread : liveThreads()) {
            ids.add(thread.getId());
        }
        return ids;
    }
}
