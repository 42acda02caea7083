package dev.steadfast.leak;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A thread started during a scope and still alive after the linger: what it is, what it is doing and who started it.
 *
 * <pre>{@code
 * for (ThreadLeak leak : report.threads()) {
 *     log.warn("{} still {} - started by {}", leak.name(), leak.state(), leak.createdBy().orElse("?"));
 * }
 * }</pre>
 *
 * @param name         the thread's name at check time
 * @param id           the thread's id
 * @param state        the thread's state at check time
 * @param daemon       whether it is a daemon thread (a non-daemon leak also keeps the JVM from exiting)
 * @param stack        what the thread was executing at check time, innermost frame first
 * @param createdBy    name of the thread that constructed it, when creation was tracked
 * @param creationSite the stack of the constructing thread when it called {@code new Thread(...)}, innermost first;
 *                     empty when creation was not tracked (no {@code --add-opens}, see the report's warnings)
 */
public record ThreadLeak(String name, long id, Thread.State state, boolean daemon, List<StackTraceElement> stack,
                         Optional<String> createdBy, List<StackTraceElement> creationSite) {

    /** Validates and copies the lists, so the value is immutable. */
    public ThreadLeak {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        stack = List.copyOf(stack);
        Objects.requireNonNull(createdBy, "createdBy");
        creationSite = List.copyOf(creationSite);
    }

    /** The readable block used in {@link LeakReport#toString()}: name, state, stack, where it was started. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        out.append('"').append(name).append("\" (id ").append(id).append(", ").append(state)
                .append(daemon ? ", daemon" : ", non-daemon: keeps the JVM from exiting").append(")\n");
        Texts.appendFrames(out, "    ", stack, Texts.MAX_FRAMES);
        if (!creationSite.isEmpty()) {
            out.append("  started by thread \"").append(createdBy.orElse("?")).append("\" at\n");
            CreationSiteFormat.append(out, "    ", creationSite, Texts.MAX_FRAMES);
        }
        return out.toString();
    }
}
