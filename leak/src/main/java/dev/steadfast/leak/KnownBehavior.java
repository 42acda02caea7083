package dev.steadfast.leak;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One entry of the catalog of known library behaviour (like LeakCanary's reference matchers): which library, the
 * pattern that recognises its per-thread state, why that state is not the test's leak, and what to do about it. A
 * ThreadLocal entry the pattern matches is listed as a {@link LeakNote} in the report, not as a leak, unless the
 * detector is {@linkplain LeakDetector.Builder#strict(boolean) strict}.
 *
 * <p>The pattern is a regular expression matched against the whole of each of: the declaring field
 * ({@code com.acme.Cache.BUFFER}), the ThreadLocal's class, and the value's class. The first entry that matches wins.
 *
 * <pre>{@code
 * KnownBehavior.threadLocal("Acme codec", "com\\.acme\\.codec\\.Buffers\\.POOL",
 *         "one 8 KiB buffer per thread, reused by every call and never grown",
 *         "nothing; or call Buffers.release() when a thread ends");
 * }</pre>
 *
 * @param library  who owns the behaviour, e.g. {@code Jackson}
 * @param pattern  the regular expression
 * @param why      why it is not the test's leak
 * @param whatToDo what a user can do (often: nothing)
 */
public record KnownBehavior(String library, String pattern, String why, String whatToDo) {

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if a text is blank or the pattern is not a regular expression
     */
    public KnownBehavior {
        requireText(library, "library");
        requireText(pattern, "pattern");
        requireText(why, "why");
        requireText(whatToDo, "whatToDo");
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("pattern of the " + library + " entry is not a regular expression ("
                    + e.getDescription() + "): " + pattern, e);
        }
    }

    /**
     * A ThreadLocal entry of the catalog; same as the constructor, named for what it matches.
     *
     * @return the entry
     */
    public static KnownBehavior threadLocal(String library, String pattern, String why, String whatToDo) {
        return new KnownBehavior(library, pattern, why, whatToDo);
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " of a KnownBehavior must not be blank");
        }
    }
}
