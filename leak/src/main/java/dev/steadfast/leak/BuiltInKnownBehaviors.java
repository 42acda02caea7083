package dev.steadfast.leak;

import java.util.List;

/** The entries behind {@link KnownBehaviors#builtIn()}; kept apart so the interface stays readable. */
final class BuiltInKnownBehaviors {

    private static final String NOTHING = "nothing: the cache lives as long as the thread and is bounded";

    static final List<KnownBehavior> ENTRIES = List.of(
            KnownBehavior.threadLocal("JDK (charset coders)", "sun\\.nio\\.cs\\.ThreadLocalCoders.*",
                    "String/byte conversions keep one decoder and encoder per thread", NOTHING),
            KnownBehavior.threadLocal("JDK (NIO buffers)", "sun\\.nio\\.ch\\.(IOVecWrapper|Util).*",
                    "scatter/gather I/O keeps a per-thread vector and temporary direct buffers", NOTHING),
            KnownBehavior.threadLocal("JDK (XML)", "com\\.sun\\.(xml|org\\.apache)\\.internal\\..*",
                    "the built-in XML parsers keep a per-thread buffer allocator, held softly", NOTHING),
            KnownBehavior.threadLocal("JDK (java.net.http)", "jdk\\.internal\\.net\\.http\\..*",
                    "the HTTP client's worker threads keep per-thread helpers", NOTHING),
            KnownBehavior.threadLocal("Jackson", "com\\.fasterxml\\.jackson\\.core\\.util\\.(BufferRecyclers"
                            + "\\._recyclerRef|BufferRecycler|JsonRecyclerPools.*)",
                    "reuses one set of parse/write buffers per thread, held through a SoftReference, so the JVM "
                            + "frees it when memory runs low", NOTHING),
            KnownBehavior.threadLocal("Netty", "io\\.netty\\.util\\.internal\\.(InternalThreadLocalMap|"
                            + "UnpaddedInternalThreadLocalMap).*",
                    "Netty keeps one InternalThreadLocalMap per thread for its FastThreadLocals and small caches; "
                            + "each FastThreadLocal value inside it is judged on its own",
                    "nothing for the map itself; a FastThreadLocal value it reports is yours to remove()"));

    private BuiltInKnownBehaviors() {
    }
}
