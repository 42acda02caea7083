package dev.steadfast.leak;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The outcome of {@link LeakScope#check()}: leaked threads, ThreadLocal entries and retained objects, plus warnings
 * about checks that could not run or ran degraded. Immutable.
 *
 * <p>{@link #isClean()} is true only when nothing leaked <em>and</em> every requested check ran: a check that could
 * not run (e.g. ThreadLocals without {@code --add-opens}) never passes silently. {@link #toString()} is the readable
 * failure block a test prints.
 *
 * <pre>{@code
 * try (LeakScope scope = LeakDetector.ofDefaults().open("import job")) {
 *     importJob.run();
 *     LeakReport report = scope.check();
 *     if (!report.isClean()) {
 *         throw new AssertionError(report.toString());
 *     }
 * }
 * }</pre>
 */
public final class LeakReport {

    private final String scopeName;
    private final Duration linger;
    private final List<ThreadLeak> threads;
    private final List<ThreadLocalLeak> threadLocals;
    private final List<RetainedObject> retained;
    private final List<LeakNote> notes;
    private final List<String> warnings;
    private final Set<LeakCheck> checksNotRun;

    LeakReport(String scopeName, Duration linger, List<ThreadLeak> threads, List<ThreadLocalLeak> threadLocals,
               List<RetainedObject> retained, List<LeakNote> notes, List<String> warnings,
               Set<LeakCheck> checksNotRun) {
        this.scopeName = Objects.requireNonNull(scopeName, "scopeName");
        this.linger = Objects.requireNonNull(linger, "linger");
        this.threads = List.copyOf(threads);
        this.threadLocals = List.copyOf(threadLocals);
        this.retained = List.copyOf(retained);
        this.notes = List.copyOf(notes);
        this.warnings = List.copyOf(warnings);
        this.checksNotRun = checksNotRun.isEmpty() ? Collections.emptySet()
                : Collections.unmodifiableSet(EnumSet.copyOf(checksNotRun));
    }

    /** @return the name the scope was opened with */
    public String scopeName() {
        return scopeName;
    }

    /** @return true when nothing leaked and every requested check ran ({@link #checksNotRun()} is empty) */
    public boolean isClean() {
        return !hasLeaks() && checksNotRun.isEmpty();
    }

    /** @return true when at least one thread, ThreadLocal entry or watched object leaked */
    public boolean hasLeaks() {
        return !threads.isEmpty() || !threadLocals.isEmpty() || !retained.isEmpty();
    }

    /** @return threads started in the scope and still alive after the linger, in thread-id order */
    public List<ThreadLeak> threads() {
        return threads;
    }

    /** @return ThreadLocal entries added in the scope and not removed */
    public List<ThreadLocalLeak> threadLocals() {
        return threadLocals;
    }

    /** @return watched objects still strongly reachable after a forced collection */
    public List<RetainedObject> retained() {
        return retained;
    }

    /**
     * @return what the scope left that is not its leak - per-thread caches, known library behaviour - each saying
     *         why and what to do; never failures (a strict detector reports them as leaks instead)
     */
    public List<LeakNote> notes() {
        return notes;
    }

    /**
     * @return what did not run or ran degraded, each saying why and how to fix it (e.g. the {@code --add-opens} flag
     *         to add); empty when everything ran fully
     */
    public List<String> warnings() {
        return warnings;
    }

    /** @return requested checks that could not run at all; their reasons are in {@link #warnings()} */
    public Set<LeakCheck> checksNotRun() {
        return checksNotRun;
    }

    /**
     * The readable block: what leaked, the path that holds each retained object, each leaked thread's stack and
     * creation site, then the warnings.
     */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("Leak check of \"").append(scopeName).append("\": ");
        out.append(hasLeaks() ? Texts.plural(threads.size() + threadLocals.size() + retained.size(), "leak", "leaks")
                : checksNotRun.isEmpty() ? "no leaks" : "no leaks found");
        if (!checksNotRun.isEmpty()) {
            out.append(", but ").append(checksNotRun.size() == 1 ? "a check" : "checks").append(" did not run: ")
                    .append(checksNotRun).append(" (see warnings)");
        }
        out.append('\n');
        if (!threads.isEmpty()) {
            out.append('\n').append(Texts.plural(threads.size(), "thread", "threads"))
                    .append(" started in the scope still alive after ").append(Texts.duration(linger)).append(":\n");
            for (List<ThreadLeak> group : ThreadLeakGroups.group(threads)) {
                ThreadLeakGroups.append(out, "  ", group);
            }
        }
        if (!threadLocals.isEmpty()) {
            out.append('\n').append(Texts.plural(threadLocals.size(), "ThreadLocal entry", "ThreadLocal entries"))
                    .append(" set in the scope and never removed:\n");
            for (ThreadLocalLeak leak : threadLocals) {
                out.append("  ").append(leak).append('\n');
            }
        }
        if (!retained.isEmpty()) {
            out.append('\n').append(Texts.plural(retained.size(), "watched object", "watched objects"))
                    .append(" still reachable after garbage collection:\n");
            for (RetainedObject leak : retained) {
                Texts.appendIndented(out, "  ", leak.toString());
            }
        }
        if (!notes.isEmpty()) {
            out.append('\n').append(Texts.plural(notes.size(), "note", "notes"))
                    .append(" (left behind, but not leaks of the scope):\n");
            for (LeakNote note : notes) {
                out.append("  - ").append(note).append('\n');
            }
        }
        if (!warnings.isEmpty()) {
            out.append("\nWarnings:\n");
            for (String warning : warnings) {
                out.append("  - ").append(warning).append('\n');
            }
        }
        return out.toString();
    }
}
