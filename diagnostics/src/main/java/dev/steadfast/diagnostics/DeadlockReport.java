package dev.steadfast.diagnostics;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of one deadlock analysis: deadlocks found, every class-initialization wait (in a cycle or not), the
 * thread dump they were found in, and warnings about anything that could not be checked (for example, no
 * {@code DiagnosticCommand} MBean: class-initialization deadlocks are then not detectable). Immutable.
 *
 * <pre>{@code
 * DeadlockReport report = Deadlocks.analyze();
 * if (!report.isClean()) {
 *     log.error("{}", report);
 * }
 * report.warnings().forEach(log::warn);
 * }</pre>
 */
public final class DeadlockReport {

    private final List<Deadlock> deadlocks;
    private final List<ClassInitializationWait> classInitializationWaits;
    private final List<String> warnings;
    private final ThreadDump threadDump;

    DeadlockReport(List<Deadlock> deadlocks, List<ClassInitializationWait> classInitializationWaits,
                   List<String> warnings, ThreadDump threadDump) {
        this.deadlocks = List.copyOf(deadlocks);
        this.classInitializationWaits = List.copyOf(classInitializationWaits);
        this.warnings = List.copyOf(warnings);
        this.threadDump = Objects.requireNonNull(threadDump, "threadDump");
    }

    /** @return deadlocks found, ordered by the lowest thread id of each */
    public List<Deadlock> deadlocks() {
        return deadlocks;
    }

    /**
     * The deadlock that holds up a thread, for example the thread of a startup step that overran.
     *
     * @param threadId a thread id
     * @return the deadlock the thread is part of or {@linkplain Deadlock#blockedBehind() blocked behind}, if any
     */
    public Optional<Deadlock> deadlockBlocking(long threadId) {
        for (Deadlock deadlock : deadlocks) {
            if (deadlock.blocks(threadId)) {
                return Optional.of(deadlock);
            }
        }
        return Optional.empty();
    }

    /** @return all threads waiting for another thread to initialize a class, ordered by waiter id and class name */
    public List<ClassInitializationWait> classInitializationWaits() {
        return classInitializationWaits;
    }

    /** @return what could not be checked and how to enable it; empty when every kind of deadlock was checked */
    public List<String> warnings() {
        return warnings;
    }

    /** @return the thread dump the analysis was based on */
    public ThreadDump threadDump() {
        return threadDump;
    }

    /** @return true when no deadlock was found (look at {@link #warnings()} for what could not be checked) */
    public boolean isClean() {
        return deadlocks.isEmpty();
    }

    /** @return deadlocks with stacks, then every class-initialization wait (in a cycle or not), then warnings */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(1024);
        if (deadlocks.isEmpty()) {
            out.append("No deadlock among ").append(threadDump.threads().size()).append(" threads.\n");
        } else {
            out.append(deadlocks.size()).append(deadlocks.size() == 1 ? " deadlock" : " deadlocks").append(" found.\n");
        }
        for (Deadlock deadlock : deadlocks) {
            out.append('\n').append(deadlock);
        }
        if (!classInitializationWaits.isEmpty()) {
            out.append("\nClass-initialization waits:\n");
            for (ClassInitializationWait wait : classInitializationWaits) {
                out.append("  ").append(wait).append('\n');
            }
        }
        if (!warnings.isEmpty()) {
            out.append("\nWarnings:\n");
            for (String warning : warnings) {
                out.append("  ").append(warning).append('\n');
            }
        }
        return out.toString();
    }
}
