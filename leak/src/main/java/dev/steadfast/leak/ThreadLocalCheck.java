package dev.steadfast.leak;

import dev.steadfast.diagnostics.ThreadLocalEntry;
import dev.steadfast.diagnostics.ThreadLocalMaps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The ThreadLocal check of one {@link LeakScope}: records, for the opening thread and every shared thread, each
 * entry's value identity and size when the scope opens, and at the check judges every entry that appeared, went from
 * null/empty to holding something, or grew (see {@link ThreadLocalRules}). Library multiplexers are unpacked: the
 * values of Netty's {@code FastThreadLocal}s inside its {@code InternalThreadLocalMap} are tracked one by one.
 *
 * <p>Baselines hold the ThreadLocals (as the thread does) but never the values: only their identity hash and size,
 * so a value the test drops can still be collected.
 */
final class ThreadLocalCheck {

    private static final String NETTY_MAP = "io.netty.util.internal.InternalThreadLocalMap";

    /** One logical entry: a ThreadLocal, or one indexed slot of a multiplexer the ThreadLocal holds. */
    private record Key(ThreadLocal<?> threadLocal, int slot) {
        static final int WHOLE = -1;
    }

    /** What the entry held when the scope opened. */
    private record State(int identity, int size) {
        static State of(Object value) {
            return new State(System.identityHashCode(value), ThreadLocalValues.size(value));
        }
    }

    /** A logical entry at check time. */
    private record Logical(Key key, Object local, String localType, Object value, boolean inheritable) {
    }

    /** A leak found, with the object a heap dump would look for to name it. */
    private record Found(ThreadLocalLeak leak, Object local) {
    }

    /** The outcome: leaks and notes. */
    record Result(List<ThreadLocalLeak> leaks, List<LeakNote> notes) {
    }

    private final LeakDetector detector;
    private final ThreadLocalMaps maps;
    private final Thread openingThread;
    private final ScopeMarker marker;
    private final OpenScopes.Ticket ticket;
    private final List<Class<?>> fieldSearchHints;
    private final String scopeName;
    private Map<Key, State> openingBaseline; // guarded by the scope
    private Map<Thread, Map<Key, State>> sharedBaseline; // guarded by the scope

    ThreadLocalCheck(LeakDetector detector, ThreadLocalMaps maps, Thread openingThread, ScopeMarker marker,
                     OpenScopes.Ticket ticket, List<Class<?>> fieldSearchHints, String scopeName) {
        this.detector = detector;
        this.maps = maps;
        this.openingThread = openingThread;
        this.marker = marker;
        this.ticket = ticket;
        this.fieldSearchHints = fieldSearchHints;
        this.scopeName = scopeName;
        openingBaseline = states(maps.entries(openingThread));
        sharedBaseline = new IdentityHashMap<>();
        for (Thread thread : LeakScope.liveThreads()) {
            if (thread != openingThread) {
                sharedBaseline.put(thread, states(safeEntries(thread)));
            }
        }
    }

    void clear() {
        openingBaseline = Map.of();
        sharedBaseline = Map.of();
    }

    Result check(List<String> warnings) {
        List<Found> leaks = new ArrayList<>();
        List<LeakNote> notes = new ArrayList<>();
        List<String> duringOtherScopes = new ArrayList<>();
        List<String> onLeftoverThreads = new ArrayList<>();
        boolean overlapped = ticket.overlapped();
        for (Thread thread : LeakScope.liveThreads()) {
            List<ThreadLocalEntry> entries;
            try {
                entries = maps.entries(thread);
            } catch (RuntimeException racyRead) {
                // Rare (a read torn by the thread's own writes), but a thread not checked must show in the report.
                warnings.add("ThreadLocals of thread \"" + thread.getName() + "\" were not checked: reading its map"
                        + " raced with the thread (" + racyRead + ")");
                continue;
            }
            Map<Key, State> baseline;
            boolean shared = false;
            if (thread == openingThread) {
                baseline = openingBaseline;
            } else if (belongsToAnotherOpenScope(entries) || ignoresSharedThread(thread)) {
                // A thread running another scope (even one this scope started, e.g. a parallel test-runner worker)
                // is that scope's to check; JVM and tool threads run code no scope owns.
                continue;
            } else if (hasOwnMarker(entries)) {
                baseline = openingBaseline; // inherited copies of what the opening thread already had
            } else {
                shared = true;
                baseline = sharedBaseline.getOrDefault(thread, Map.of());
            }
            String leftBy = shared ? closedScopeThatStarted(entries) : null;
            for (ThreadLocalEntry entry : entries) {
                if (isSkipped(entry)) {
                    continue;
                }
                for (Logical logical : unpack(entry)) {
                    String change = change(baseline.get(logical.key()), logical.value());
                    if (change == null) {
                        continue;
                    }
                    Found found = judge(thread, logical, change, notes);
                    if (found == null) {
                        continue;
                    }
                    if (leftBy != null) {
                        // An earlier scope's leftover thread doing its own work: blaming this scope would cascade.
                        onLeftoverThreads.add(found.leak() + " (thread started by scope \"" + leftBy + "\")");
                    } else if (shared && overlapped) {
                        duringOtherScopes.add(found.leak().toString());
                    } else {
                        leaks.add(found);
                    }
                }
            }
        }
        if (!duringOtherScopes.isEmpty()) {
            warnings.add("ThreadLocal entries appeared on shared threads while another scope was open at the same time,"
                    + " so they may belong to it and were not counted as leaks of this scope: "
                    + String.join("; ", duringOtherScopes));
        }
        if (!onLeftoverThreads.isEmpty()) {
            warnings.add("ThreadLocal entries appeared on threads an earlier, closed scope started and left running; "
                    + "those threads are that scope's leak, so the entries were not counted as leaks of this scope: "
                    + String.join("; ", onLeftoverThreads));
        }
        return nameFromHeapDump(leaks, notes, warnings);
    }

    /**
     * @return how the entry changed since the scope opened, for the message ({@code "new"}, {@code "was empty"},
     *         {@code "grew from 2"}), or null when it did not change in a way that can leak
     */
    private static String change(State before, Object value) {
        if (value == null) {
            return null;
        }
        int size = ThreadLocalValues.size(value);
        if (before == null) {
            return "new";
        }
        if (before.size() == ThreadLocalValues.ABSENT) {
            return "was null";
        }
        if (size > 0 && before.size() == 0) {
            return "was empty";
        }
        if (size > before.size() && before.size() > 0 && before.identity() == System.identityHashCode(value)) {
            return "grew from " + before.size();
        }
        return null;
    }

    /** @return the leak, or null when the rules made it a note (added to {@code notes}) or an ignored entry */
    private Found judge(Thread thread, Logical logical, String change, List<LeakNote> notes) {
        Object value = logical.value();
        Optional<String> field = ThreadLocalFields.declaringField(logical.local(), value, fieldSearchHints);
        ThreadLocal<?> threadLocal = logical.local() instanceof ThreadLocal<?> local ? local : null;
        Class<?> definer = threadLocal != null ? ThreadLocalFields.definingClass(threadLocal) : null;
        boolean initial = ThreadLocalFields.suppliesInitialValue(logical.local());
        String summary = ThreadLocalValues.summary(value) + ("new".equals(change) ? "" : ", " + change);
        ThreadLocalLeak leak = new ThreadLocalLeak(thread.getName(), thread.getId(), logical.localType(), field,
                value.getClass().getName(), logical.inheritable(), summary, Optional.empty());
        ThreadLocalRules.Verdict verdict = detector.threadLocalRules().judge(field, logical.localType(), definer,
                initial, value);
        if (verdict instanceof ThreadLocalRules.Ignored) {
            return null;
        }
        if (verdict instanceof ThreadLocalRules.Note note && !detector.strict()) {
            notes.add(new LeakNote(leak.toString(), note.source(), note.why(), note.whatToDo()));
            return null;
        }
        return new Found(leak, logical.local());
    }

    /**
     * The entry itself, and for Netty's InternalThreadLocalMap each FastThreadLocal value in it (slot 0 holds the
     * set of FastThreadLocals with a value, which names them).
     */
    private static List<Logical> unpack(ThreadLocalEntry entry) {
        ThreadLocal<?> local = entry.threadLocal();
        Logical whole = new Logical(new Key(local, Key.WHOLE), local, local.getClass().getName(), entry.value(),
                entry.inheritable());
        if (!entry.value().getClass().getName().equals(NETTY_MAP)) {
            return List.of(whole);
        }
        Object[] slots = nettySlots(entry.value());
        if (slots == null) {
            return List.of(whole);
        }
        Object unset = nettyUnset(entry.value().getClass());
        Map<Integer, Object> fastThreadLocals = new HashMap<>();
        if (slots.length > 0 && slots[0] instanceof Set<?> registered) {
            try {
                for (Object fast : registered) {
                    Integer index = nettyIndex(fast);
                    if (index != null) {
                        fastThreadLocals.put(index, fast);
                    }
                }
            } catch (RuntimeException concurrentlyModified) {
                fastThreadLocals.clear();
            }
        }
        List<Logical> logical = new ArrayList<>();
        logical.add(whole);
        for (int i = 1; i < slots.length; i++) {
            Object value = slots[i];
            if (value == null || value == unset) {
                continue;
            }
            Object fast = fastThreadLocals.get(i);
            logical.add(new Logical(new Key(local, i), fast != null ? fast : local,
                    ThreadLocalFields.FAST_THREAD_LOCAL + " #" + i, value, false));
        }
        return logical;
    }

    private static Object[] nettySlots(Object map) {
        for (Class<?> type = map.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField("indexedVariables");
                return field.trySetAccessible() ? (Object[]) field.get(map) : null;
            } catch (NoSuchFieldException e) {
                // Older Netty keeps it in a superclass.
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private static Object nettyUnset(Class<?> mapType) {
        try {
            return mapType.getField("UNSET").get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Integer nettyIndex(Object fastThreadLocal) {
        try {
            Field index = fastThreadLocal.getClass().getName().equals(ThreadLocalFields.FAST_THREAD_LOCAL)
                    ? fastThreadLocal.getClass().getDeclaredField("index")
                    : findIndexField(fastThreadLocal.getClass());
            return index != null && index.trySetAccessible() ? index.getInt(fastThreadLocal) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Field findIndexField(Class<?> type) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(ThreadLocalFields.FAST_THREAD_LOCAL)) {
                return c.getDeclaredField("index");
            }
        }
        return null;
    }

    /**
     * Reflection only searches likely classes; for leaks it could not name, a heap dump knows every static field and
     * what holds the ThreadLocal. Paid only when a leak is unnamed (the test fails anyway), once per check, and only
     * when retention paths are enabled. A path that starts in a JDK class's static field turns the leak into a note.
     */
    private Result nameFromHeapDump(List<Found> found, List<LeakNote> notes, List<String> warnings) {
        Map<Object, WatchedReference> probes = new IdentityHashMap<>();
        for (Found f : found) {
            if (f.leak().declaringField().isEmpty()) {
                probes.computeIfAbsent(f.local(), local -> new WatchedReference(local, "ThreadLocal", null));
            }
        }
        List<ThreadLocalLeak> leaks = found.stream().map(Found::leak).collect(Collectors.toList());
        if (probes.isEmpty() || !detector.retentionPaths()) {
            return new Result(leaks, notes);
        }
        Map<String, RetentionPath> paths;
        Path dump = null;
        long started = System.nanoTime();
        try {
            dump = RetentionPaths.dump(Path.of(System.getProperty("java.io.tmpdir")), scopeName + "-threadlocals");
            paths = RetentionPaths.compute(dump, probes.values().stream().map(p -> p.key).collect(Collectors.toSet()))
                    .paths();
        } catch (IOException | UncheckedIOException | UnsupportedOperationException | IllegalArgumentException
                 | IllegalStateException e) {
            warnings.add("Declaring fields of leaked ThreadLocals could not be looked up in a heap dump (" + e + ")");
            return new Result(leaks, notes);
        } finally {
            if (dump != null) {
                try {
                    Files.deleteIfExists(dump);
                } catch (IOException e) {
                    warnings.add("Could not delete heap dump " + dump + ": " + e.getMessage());
                }
            }
        }
        warnings.add("A heap dump was taken to find what holds " + Texts.plural(probes.size(),
                "unnamed ThreadLocal", "unnamed ThreadLocals") + " (" + Texts.duration(
                java.time.Duration.ofNanos(System.nanoTime() - started)) + ")");
        List<ThreadLocalLeak> named = new ArrayList<>();
        for (Found f : found) {
            WatchedReference probe = probes.get(f.local());
            RetentionPath path = probe == null ? null : paths.get(probe.key);
            if (path == null) {
                named.add(f.leak());
                continue;
            }
            Optional<String> rootField = firstStaticField(path);
            if (rootField.isPresent() && ThreadLocalRules.isJdkClassName(ThreadLocalRules.withoutStatic(
                    rootField.get())) && !detector.strict()) {
                notes.add(new LeakNote(f.leak().withField(Optional.empty(), Optional.of(path)).toString(),
                        ThreadLocalRules.JDK_SOURCE, "a JDK class (" + rootField.get() + ") keeps this per-thread cache",
                        "nothing"));
                continue;
            }
            named.add(f.leak().withField(lastStaticField(path), Optional.of(path)));
        }
        return new Result(named, notes);
    }

    private static Optional<String> firstStaticField(RetentionPath path) {
        for (RetentionPath.Hop hop : path.hops()) {
            if (hop.kind() == RetentionPath.Kind.STATIC_FIELD) {
                return Optional.of(hop.name());
            }
        }
        return Optional.empty();
    }

    /** @return the static field that directly holds the path's target, e.g. {@code static com.acme.Ctx.CURRENT} */
    private static Optional<String> lastStaticField(RetentionPath path) {
        if (path.hops().isEmpty()) {
            return Optional.empty();
        }
        RetentionPath.Hop last = path.hops().get(path.hops().size() - 1);
        return last.kind() == RetentionPath.Kind.STATIC_FIELD ? Optional.of(last.name()) : Optional.empty();
    }

    // -------------------------------------------------------------------------------------------------- helpers

    /** Our own markers, entries holding nothing, and the JDK's bookkeeping of terminating ThreadLocals. */
    private static boolean isSkipped(ThreadLocalEntry entry) {
        return entry.threadLocal() instanceof ScopeMarker || entry.value() == null || entry.isJdkInternal();
    }

    private Map<Key, State> states(List<ThreadLocalEntry> entries) {
        Map<Key, State> states = new HashMap<>();
        for (ThreadLocalEntry entry : entries) {
            if (entry.threadLocal() instanceof ScopeMarker) {
                continue;
            }
            if (entry.value() == null) {
                states.put(new Key(entry.threadLocal(), Key.WHOLE), State.of(null));
                continue;
            }
            for (Logical logical : unpack(entry)) {
                states.put(logical.key(), State.of(logical.value()));
            }
        }
        return states;
    }

    /** @return the name of a closed scope that started the thread with these entries, or null */
    private String closedScopeThatStarted(List<ThreadLocalEntry> entries) {
        for (ThreadLocalEntry entry : entries) {
            if (entry.threadLocal() instanceof ScopeMarker other && other != marker && entry.value() != null
                    && other.isClosed()) {
                return other.scopeName();
            }
        }
        return null;
    }

    private boolean hasOwnMarker(List<ThreadLocalEntry> entries) {
        for (ThreadLocalEntry entry : entries) {
            if (entry.threadLocal() == marker && entry.value() != null) {
                return true;
            }
        }
        return false;
    }

    private boolean belongsToAnotherOpenScope(List<ThreadLocalEntry> entries) {
        for (ThreadLocalEntry entry : entries) {
            if (entry.threadLocal() instanceof ScopeMarker other && other != marker && entry.value() != null
                    && !other.isClosed()) {
                return true;
            }
        }
        return false;
    }

    /**
     * JVM and test-tool threads run code the scope does not own, and user filters name threads to leave alone. The
     * common-pool filter is deliberately not applied: a ThreadLocal left on a common-pool worker is a real leak.
     * (The opening thread is never skipped, even when it is a test-runner worker.)
     */
    private boolean ignoresSharedThread(Thread thread) {
        if (detector.builtInThreadFilters()
                && (ThreadFilter.jvm().ignores(thread) || ThreadFilter.testTools().ignores(thread))) {
            return true;
        }
        for (ThreadFilter filter : detector.threadFilters()) {
            if (filter.ignores(thread)) {
                return true;
            }
        }
        return false;
    }

    private List<ThreadLocalEntry> safeEntries(Thread thread) {
        try {
            return maps.entries(thread);
        } catch (RuntimeException racyRead) {
            // Reading another thread's map races with its writes; a torn read is rare and only loses this thread.
            return List.of();
        }
    }
}
