package dev.steadfast.leak;

import java.util.List;
import java.util.Objects;

/**
 * The shortest chain of strong references from a GC root to a retained object, computed from a heap dump. Each hop
 * is named the way a developer fixes it: the static field, the instance field, the array slot, the thread's
 * ThreadLocal value.
 *
 * <pre>{@code
 * GC root: class com.acme.Registry
 *   static com.acme.Registry.listeners -> java.util.ArrayList
 *   java.util.ArrayList.elementData -> java.lang.Object[]
 *   java.lang.Object[][3] -> com.acme.OrderListener
 * }</pre>
 *
 * @param gcRoot what keeps the first object alive, e.g. {@code class com.acme.Registry},
 *               {@code thread "pool-1-thread-2"}, {@code local variable in thread "main"}
 * @param hops   the references from the root to the retained object, in order; the last hop ends at the object
 */
public record RetentionPath(String gcRoot, List<Hop> hops) {

    /** Validates and copies the hops. */
    public RetentionPath {
        Objects.requireNonNull(gcRoot, "gcRoot");
        hops = List.copyOf(hops);
    }

    /** The path as indented lines, root first. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("GC root: ").append(gcRoot).append('\n');
        for (Hop hop : hops) {
            out.append("  ").append(hop).append('\n');
        }
        return out.toString();
    }

    /**
     * One reference in a {@link RetentionPath}.
     *
     * <pre>{@code
     * new RetentionPath.Hop(Kind.STATIC_FIELD, "static com.acme.Registry.listeners", "java.util.ArrayList")
     * }</pre>
     *
     * @param kind       what sort of reference it is
     * @param name       the reference, named to find it in source: {@code static com.acme.Registry.listeners},
     *                   {@code com.acme.Session.owner}, {@code java.util.ArrayList.elementData[3]},
     *                   {@code thread "pool-1-thread-2" ThreadLocal value}
     * @param targetType class of the object the reference points to
     */
    public record Hop(Kind kind, String name, String targetType) {

        /** Validates the components. */
        public Hop {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(targetType, "targetType");
        }

        /** {@code name -> targetType}. */
        @Override
        public String toString() {
            return name + " -> " + targetType;
        }
    }

    /**
     * The sorts of reference a {@link Hop} can be; the last hop's kind says where to look for the fix.
     *
     * <pre>{@code
     * RetentionPath.Hop last = path.hops().get(path.hops().size() - 1);
     * if (last.kind() == RetentionPath.Kind.STATIC_FIELD) {
     *     log.warn("held by static field {}", last.name());   // a cache or registry that is never cleared
     * }
     * }</pre>
     */
    public enum Kind {
        /** A static field of a class. */
        STATIC_FIELD,
        /** An instance field of an object. */
        INSTANCE_FIELD,
        /** A slot of an object array (also folded in with the array field that holds the array). */
        ARRAY_ELEMENT,
        /** The value of a ThreadLocal entry in a thread's map. */
        THREAD_LOCAL_VALUE,
        /** A local variable or operand of a live stack frame. */
        LOCAL_VARIABLE,
        /** A reference the dump records without a name (JNI, monitors, VM internals). */
        OTHER
    }
}
