package dev.steadfast.leak;

import java.util.Objects;
import java.util.Optional;

/**
 * A ThreadLocal entry added during a scope and not removed: on which thread, which ThreadLocal (its declaring static
 * field when one was found) and the type of the value it keeps alive.
 *
 * <pre>{@code
 * report.threadLocals().forEach(leak ->
 *         System.out.println(leak.declaringField().orElse(leak.threadLocalType()) + " on " + leak.threadName()));
 * }</pre>
 *
 * @param threadName      the thread holding the entry
 * @param threadId        that thread's id
 * @param threadLocalType class of the ThreadLocal, e.g. {@code java.lang.ThreadLocal} or an anonymous subclass
 * @param declaringField  the static field holding the ThreadLocal, e.g. {@code static com.acme.RequestContext.CURRENT},
 *                        when one was found
 * @param valueType       class of the value the entry keeps alive, or {@code "null"}
 * @param inheritable     whether the entry is in the thread's inheritable map
 *                        ({@link InheritableThreadLocal}), which new threads copy
 */
public record ThreadLocalLeak(String threadName, long threadId, String threadLocalType, Optional<String> declaringField,
                              String valueType, boolean inheritable) {

    /** Validates the components. */
    public ThreadLocalLeak {
        Objects.requireNonNull(threadName, "threadName");
        Objects.requireNonNull(threadLocalType, "threadLocalType");
        Objects.requireNonNull(declaringField, "declaringField");
        Objects.requireNonNull(valueType, "valueType");
    }

    /** One line: {@code static com.acme.Ctx.CURRENT (java.lang.ThreadLocal) on thread "main" holds com.acme.User}. */
    @Override
    public String toString() {
        return declaringField.map(field -> field + " (" + threadLocalType + ")")
                .orElse(threadLocalType + " (declaring field not found)")
                + (inheritable ? " [inheritable]" : "")
                + " on thread \"" + threadName + "\" holds " + valueType;
    }
}
