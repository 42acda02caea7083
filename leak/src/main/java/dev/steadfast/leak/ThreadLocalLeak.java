package dev.steadfast.leak;

import java.util.Objects;
import java.util.Optional;

/**
 * A ThreadLocal entry the scope left holding request-scoped state: on which thread, which ThreadLocal (its declaring
 * static field when one was found), the type of the value it keeps alive with a short summary of its content, and -
 * when a heap dump was taken to name an undeclared ThreadLocal - the path that holds the ThreadLocal.
 *
 * <pre>{@code
 * report.threadLocals().forEach(leak ->
 *         System.out.println(leak.declaringField().orElse(leak.threadLocalType()) + " on " + leak.threadName()));
 * }</pre>
 *
 * @param threadName      the thread holding the entry
 * @param threadId        that thread's id
 * @param threadLocalType class of the ThreadLocal, e.g. {@code java.lang.ThreadLocal} or an anonymous subclass, or
 *                        {@code io.netty.util.concurrent.FastThreadLocal} for a value unpacked from Netty's map
 * @param declaringField  the static field holding the ThreadLocal, e.g. {@code static com.acme.RequestContext.CURRENT},
 *                        when one was found
 * @param valueType       class of the value the entry keeps alive, or {@code "null"}
 * @param inheritable     whether the entry is in the thread's inheritable map
 *                        ({@link InheritableThreadLocal}), which new threads copy
 * @param valueSummary    type, size and first keys of the value (never values), and how it changed in the scope,
 *                        e.g. {@code java.util.HashMap (2 entries; keys: "requestId", "user"), was empty}
 * @param retentionPath   what holds the ThreadLocal, from a heap dump, when one was taken
 */
public record ThreadLocalLeak(String threadName, long threadId, String threadLocalType, Optional<String> declaringField,
                              String valueType, boolean inheritable, String valueSummary,
                              Optional<RetentionPath> retentionPath) {

    /** Validates the components. */
    public ThreadLocalLeak {
        Objects.requireNonNull(threadName, "threadName");
        Objects.requireNonNull(threadLocalType, "threadLocalType");
        Objects.requireNonNull(declaringField, "declaringField");
        Objects.requireNonNull(valueType, "valueType");
        Objects.requireNonNull(valueSummary, "valueSummary");
        Objects.requireNonNull(retentionPath, "retentionPath");
    }

    /** An entry without a content summary beyond its type and without a retention path. */
    public ThreadLocalLeak(String threadName, long threadId, String threadLocalType, Optional<String> declaringField,
                           String valueType, boolean inheritable) {
        this(threadName, threadId, threadLocalType, declaringField, valueType, inheritable, valueType,
                Optional.empty());
    }

    ThreadLocalLeak withField(Optional<String> field, Optional<RetentionPath> path) {
        return new ThreadLocalLeak(threadName, threadId, threadLocalType, field.isPresent() ? field : declaringField,
                valueType, inheritable, valueSummary, path);
    }

    /**
     * {@code static com.acme.Ctx.CURRENT (java.lang.ThreadLocal) on thread "main" holds com.acme.User}, then the
     * retention path, one hop a line, when there is one.
     */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(declaringField.map(field -> field + " (" + threadLocalType + ")")
                .orElse(threadLocalType + " (declaring field not found)"))
                .append(inheritable ? " [inheritable]" : "")
                .append(" on thread \"").append(threadName).append("\" holds ").append(valueSummary);
        retentionPath.ifPresent(path -> {
            out.append("\n  ThreadLocal held by:");
            for (String line : path.toString().split("\n")) {
                out.append("\n    ").append(line);
            }
        });
        return out.toString();
    }
}
