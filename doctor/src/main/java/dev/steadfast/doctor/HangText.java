package dev.steadfast.doctor;

import dev.steadfast.diagnostics.ClassInitializationWait;
import dev.steadfast.diagnostics.Deadlock;
import dev.steadfast.diagnostics.ThreadSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The text report of {@code doctor hang}: verdict first, then each finding with the threads named as jstack names them
 * ({@code "name" #id}), then the full jstack-like dump of the last sample.
 *
 * <pre>{@code
 * out.print(HangText.render(analysis, "pid 4242 (com.acme.Main, OpenJDK 64-Bit Server VM 17)", true));
 * }</pre>
 */
final class HangText {

    private HangText() {
    }

    static String render(HangAnalysis analysis, String target, boolean withDump) {
        StringBuilder out = new StringBuilder();
        int samples = analysis.sampleCount();
        out.append("Hang report for ").append(target).append(": ").append(samples).append(" sample")
                .append(samples == 1 ? "" : "s, " + DurationConverter.format(analysis.interval()) + " apart")
                .append("\n");
        int deadlocks = analysis.deadlocks().size();
        int stalls = analysis.stalls().size();
        if (deadlocks == 0 && stalls == 0) {
            out.append("No deadlock found.\n");
        } else {
            List<String> found = new ArrayList<>();
            if (deadlocks > 0) {
                found.add(deadlocks + " deadlock" + (deadlocks == 1 ? "" : "s"));
            }
            if (stalls > 0) {
                found.add(stalls + " class-initialization stall" + (stalls == 1 ? "" : "s"));
            }
            out.append("FOUND: ").append(String.join(" and ", found)).append(".\n");
        }
        for (Deadlock deadlock : analysis.deadlocks()) {
            out.append('\n').append(deadlock).append('\n');
        }
        if (!analysis.stalls().isEmpty()) {
            out.append("\nClass-initialization stalls (the initializer waits without a timeout inside the static"
                    + " initializer while other threads wait for the class; the JVM's deadlock detector does not see"
                    + " this):\n");
            for (HangAnalysis.ClassInitStall stall : analysis.stalls()) {
                String className = stall.classWait().className();
                List<String> waiters = new ArrayList<>();
                for (ClassInitializationWait wait : analysis.classInitWaits()) {
                    if (wait.className().equals(className)) {
                        waiters.add(label(wait.waiterThreadName(), wait.waiterThreadId()));
                    }
                }
                out.append("  class ").append(className).append(": initializer ").append(stall.initializer().label())
                        .append(" is ").append(stall.initializer().state()).append(" at ").append(stall.waitingAt())
                        .append(" inside ").append(className).append(".<clinit>, while ")
                        .append(String.join(", ", waiters)).append(waiters.size() == 1 ? " waits" : " wait")
                        .append(" for the class.\n")
                        .append("    If what it waits for needs ").append(className)
                        .append(" (a thread it started and joins, a task it submitted and awaits), neither can ever"
                                + " finish: move that work out of the static initializer.\n");
            }
        }
        if (!analysis.classInitWaits().isEmpty()) {
            out.append("\nClass-initialization waits (with the thread running the static initializer):\n");
            for (ClassInitializationWait wait : analysis.classInitWaits()) {
                out.append("  ").append(wait).append('\n');
            }
        }
        if (!analysis.contention().isEmpty()) {
            out.append("\nLock contention (owner, then waiters):\n");
            for (HangAnalysis.Contention c : analysis.contention()) {
                List<String> waiters = new ArrayList<>();
                for (ThreadSnapshot waiter : c.waiters()) {
                    waiters.add(waiter.label());
                }
                out.append("  lock ").append(c.lock()).append(" held by ").append(c.owner().label())
                        .append(": ").append(c.waiters().size()).append(" waiting (").append(String.join(", ", waiters))
                        .append(")");
                if (samples > 1) {
                    out.append(", in ").append(c.samplesContended()).append(" of ").append(samples)
                            .append(" samples");
                    if (c.samplesContended() > 1) {
                        out.append(" (at least ").append(DurationConverter.format(
                                analysis.interval().multipliedBy(c.samplesContended() - 1L))).append(")");
                    }
                }
                out.append('\n');
            }
        }
        if (samples > 1) {
            if (analysis.stuck().isEmpty()) {
                out.append("\nNo thread stuck in the same frame in all ").append(samples).append(" samples.\n");
            } else {
                out.append("\nStuck: same stack in all ").append(samples).append(" samples (")
                        .append(DurationConverter.format(analysis.interval().multipliedBy(samples - 1L)))
                        .append("):\n");
                for (ThreadSnapshot thread : analysis.stuck()) {
                    out.append("  ").append(thread.label()).append(' ').append(thread.state()).append(" at ")
                            .append(thread.stack().get(0)).append('\n');
                }
            }
        }
        if (!analysis.warnings().isEmpty()) {
            out.append("\nWarnings:\n");
            analysis.warnings().forEach(w -> out.append("  ").append(w).append('\n'));
        }
        if (withDump) {
            out.append("\n").append(analysis.last().threadDump());
        }
        return out.toString();
    }

    private static String label(String name, long id) {
        return "\"" + name + "\" #" + id;
    }

    static String seconds(Duration duration) {
        return DurationConverter.format(duration);
    }
}
