package dev.steadfast.leak;

import java.util.List;

/**
 * A source of {@link KnownBehavior} entries for the catalog: implement it for your own libraries and register it with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.steadfast.leak.KnownBehaviors}), or name the class in
 * the JUnit configuration parameter {@code steadfast.leakfree.known-behaviors}. Entries from providers come before
 * the built-in ones ({@link #builtIn()}), so a provider can describe a library more precisely.
 *
 * <pre>{@code
 * public final class AcmeBehaviors implements KnownBehaviors {
 *     public List<KnownBehavior> behaviors() {
 *         return List.of(KnownBehavior.threadLocal("Acme codec", "com\\.acme\\.codec\\.Buffers\\.POOL",
 *                 "one reusable buffer per thread", "nothing"));
 *     }
 * }
 * }</pre>
 */
public interface KnownBehaviors {

    /** @return the entries, most specific first */
    List<KnownBehavior> behaviors();

    /**
     * The seeded catalog: the JDK's own per-thread caches and those of common libraries (Jackson, Netty, java.net.http).
     * Logging MDCs are deliberately absent: what an MDC holds after a test is request-scoped state, judged by the
     * generic rules (an emptied MDC is a note, one still holding keys is a leak).
     *
     * @return the built-in entries
     */
    static List<KnownBehavior> builtIn() {
        return BuiltInKnownBehaviors.ENTRIES;
    }
}
