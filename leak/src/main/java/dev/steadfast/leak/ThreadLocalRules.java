package dev.steadfast.leak;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What counts as a ThreadLocal leak - the rule written in the junit README, in one place. An entry that appeared in
 * the scope, or whose value went from null/empty to holding something, or grew, is judged in this order:
 * <ol>
 *   <li>its declaring field is ignored by the user: nothing is said;</li>
 *   <li>a catalog entry ({@link KnownBehavior}) matches: a note naming the library;</li>
 *   <li>a JDK class declares or defines the ThreadLocal: a note (a JDK cache);</li>
 *   <li>the value is reachable only through a soft or weak reference, or is a {@code WeakHashMap}: a note (the JVM
 *       reclaims it);</li>
 *   <li>the value is an empty standard collection or map: a note (emptied after use);</li>
 *   <li>the value holds only JDK helper objects (encoders, buffers, formatters, containers and arrays of them): a
 *       note (a per-thread cache);</li>
 *   <li>the ThreadLocal (or Netty FastThreadLocal) supplies its own initial value ({@code withInitial}, an
 *       {@code initialValue()} override) and
 *       the value is not a standard container holding entries: a note (a per-thread cache by construction);</li>
 *   <li>anything else is a leak: a value put with {@code set()} that retains the test's or the application's
 *       objects, strings or numbers, or a collection that grew.</li>
 * </ol>
 * A strict detector turns every note except the user's ignores into a leak.
 */
final class ThreadLocalRules {

    static final String JDK_SOURCE = "JDK";
    private static final String WEAK_SOURCE = "rule: soft/weak reference";
    private static final String NOTHING = "nothing";

    private final List<KnownBehavior> catalog;
    private final List<Pattern> patterns;
    private final Set<String> ignoredFields;

    ThreadLocalRules(List<KnownBehavior> catalog, Set<String> ignoredFields) {
        this.catalog = List.copyOf(catalog);
        List<Pattern> compiled = new ArrayList<>();
        for (KnownBehavior behavior : catalog) {
            compiled.add(Pattern.compile(behavior.pattern()));
        }
        this.patterns = List.copyOf(compiled);
        this.ignoredFields = Set.copyOf(ignoredFields);
    }

    /** What the rules decided about one entry. */
    sealed interface Verdict permits Ignored, Note, Leak {
    }

    /** The user asked not to hear about it. */
    record Ignored() implements Verdict {
    }

    /** Not the scope's leak; {@code source} is a library or {@code rule: ...}. */
    record Note(String source, String why, String whatToDo) implements Verdict {
    }

    /** The scope's leak. */
    record Leak() implements Verdict {
    }

    /**
     * @param field          the declaring field as {@code com.acme.Ctx.CURRENT}, or empty
     * @param definer        the class that defined the ThreadLocal (subclass, withInitial lambda), or null
     * @param initialValue   whether the ThreadLocal supplies its own initial value
     */
    Verdict judge(Optional<String> field, String threadLocalType, Class<?> definer, boolean initialValue,
                  Object value) {
        String fieldName = field.map(ThreadLocalRules::withoutStatic).orElse(null);
        if (fieldName != null && ignoredFields.contains(fieldName)) {
            return new Ignored();
        }
        String valueType = value.getClass().getName();
        for (int i = 0; i < catalog.size(); i++) {
            Pattern pattern = patterns.get(i);
            if (fieldName != null && pattern.matcher(fieldName).matches()
                    || pattern.matcher(threadLocalType).matches() || pattern.matcher(valueType).matches()) {
                KnownBehavior behavior = catalog.get(i);
                return new Note(behavior.library(), behavior.why(), behavior.whatToDo());
            }
        }
        if (definer != null && ThreadLocalFields.isJdk(definer) || fieldName != null && isJdkClassName(fieldName)) {
            return new Note(JDK_SOURCE, "a JDK class keeps this per-thread cache", NOTHING);
        }
        if (value instanceof java.lang.ref.Reference<?>) {
            return new Note(WEAK_SOURCE, "the value is reachable only through a "
                    + value.getClass().getSimpleName() + ", so the JVM reclaims it when memory runs low", NOTHING);
        }
        if (value instanceof java.util.WeakHashMap<?, ?>) {
            return new Note(WEAK_SOURCE, "a weakly keyed cache: each entry goes when its key is no longer used",
                    NOTHING);
        }
        if (ThreadLocalValues.isEmptyContainer(value)) {
            return new Note("rule: empty container", "the container was emptied after use and holds nothing",
                    "remove() the entry instead of clearing it, to free the container too");
        }
        if (ThreadLocalValues.holdsOnlyHelpers(value)) {
            return new Note("rule: JDK helper objects", "the value holds only JDK helper objects (encoders, buffers, "
                    + "formatters) kept once per thread, no data of the test's", NOTHING);
        }
        if (initialValue && !ThreadLocalValues.isGrownContainer(value)) {
            return new Note("rule: per-thread cache by construction", "the ThreadLocal creates its own value "
                    + "(withInitial or initialValue()), so the entry is a per-thread cache, not state a test set",
                    "nothing; if it holds request data, set() and remove() it instead");
        }
        return new Leak();
    }

    /** @return {@code com.acme.Ctx.CURRENT} for {@code static com.acme.Ctx.CURRENT} */
    static String withoutStatic(String field) {
        return field.startsWith("static ") ? field.substring("static ".length()) : field;
    }

    /** Names in the JDK's own packages (a declaring field found in a heap dump, where the class is not at hand). */
    static boolean isJdkClassName(String name) {
        return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.") || name.startsWith("com.sun.");
    }
}
