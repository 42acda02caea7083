package dev.steadfast.leak;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Decides which live threads a thread-leak check ignores (JVM housekeeping, test tools, shared pools).
 *
 * <p>Filters add up: a thread is ignored when any configured filter ignores it. {@link #builtIn()} is on by default
 * (see {@link LeakDetector.Builder#builtInThreadFilters(boolean)}).
 *
 * <pre>{@code
 * LeakDetector detector = LeakDetector.builder()
 *         .threadFilter(ThreadFilter.nameStartsWith("hazelcast-"))
 *         .threadFilter(thread -> thread.getThreadGroup() == sharedGroup)
 *         .build();
 * }</pre>
 */
@FunctionalInterface
public interface ThreadFilter {

    /**
     * Whether a thread-leak check ignores {@code thread}. Called at check time with a live thread; must be cheap and
     * must not block.
     *
     * @param thread a live thread started during the scope; never null
     * @return true to leave the thread out of the report
     */
    boolean ignores(Thread thread);

    /**
     * A filter ignoring what either this filter or {@code other} ignores.
     *
     * @param other the other filter; not null
     * @return the combined filter
     */
    default ThreadFilter or(ThreadFilter other) {
        Objects.requireNonNull(other, "other");
        return thread -> ignores(thread) || other.ignores(thread);
    }

    /**
     * Ignores threads whose name starts with one of {@code prefixes}.
     *
     * @param prefixes name prefixes, each not null or empty
     * @return the filter
     * @throws IllegalArgumentException if a prefix is empty (it would ignore every thread)
     */
    static ThreadFilter nameStartsWith(String... prefixes) {
        List<String> copy = List.of(prefixes);
        for (String prefix : copy) {
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("thread name prefix must not be empty (it would ignore every thread)");
            }
        }
        return thread -> {
            String name = thread.getName();
            for (String prefix : copy) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        };
    }

    /**
     * Ignores threads whose whole name matches {@code regex}.
     *
     * @param regex a {@link Pattern} regular expression; not null
     * @return the filter
     * @throws java.util.regex.PatternSyntaxException if {@code regex} is not a valid pattern
     */
    static ThreadFilter nameMatches(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return thread -> pattern.matcher(thread.getName()).matches();
    }

    /**
     * Ignores threads the JVM itself starts lazily: reference handling, finalizer, signal dispatcher, attach listener,
     * {@code Common-Cleaner}, process reapers, JMX/RMI housekeeping, the {@code Notification Thread} and the like.
     *
     * @return the filter
     */
    static ThreadFilter jvm() {
        return BuiltInThreadFilters.JVM;
    }

    /**
     * Ignores threads of test tools that may start them inside a test: Maven Surefire, the JUnit Platform (timeout
     * and parallel-execution workers), Awaitility's condition poller, IntelliJ and Gradle test workers.
     *
     * @return the filter
     */
    static ThreadFilter testTools() {
        return BuiltInThreadFilters.TEST_TOOLS;
    }

    /**
     * Ignores workers of {@link java.util.concurrent.ForkJoinPool#commonPool()}: they are shared by the whole JVM,
     * started lazily by whoever submits first and retired by the pool itself after idling.
     *
     * @return the filter
     */
    static ThreadFilter commonPool() {
        return BuiltInThreadFilters.COMMON_POOL;
    }

    /**
     * {@link #jvm()}, {@link #testTools()} and {@link #commonPool()} together: the default set.
     *
     * @return the filter
     */
    static ThreadFilter builtIn() {
        return BuiltInThreadFilters.ALL;
    }
}
