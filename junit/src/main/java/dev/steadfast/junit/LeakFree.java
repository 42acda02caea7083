package dev.steadfast.junit;

import dev.steadfast.leak.LeakCheck;
import dev.steadfast.leak.ThreadFilter;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails a test that leaks: threads it started that are still alive after the linger, ThreadLocal entries it left on
 * its own thread or on pool threads it used, and objects registered through an injected
 * {@link dev.steadfast.leak.LeakWatcher} that are still strongly reachable after it.
 *
 * <p>Each test gets its own scope, opened before its {@code @BeforeEach} methods and checked after its
 * {@code @AfterEach} methods, and threads are attributed to the test that created them — so a leak fails only the
 * test that caused it, also when tests run in parallel. The default checks (threads, ThreadLocals, nothing watched)
 * never force a garbage collection; only a test that watches an object pays for one.
 *
 * <pre>{@code
 * @LeakFree(linger = "500ms", ignoreThreads = "hazelcast-.*")
 * class SessionServiceTest {
 *     @Test
 *     void logout_releasesSession(LeakWatcher watcher) {
 *         Session session = service.login("ann");
 *         service.logout(session);
 *         watcher.watch(session, "session after logout");
 *     }
 * }
 * }</pre>
 *
 * <h2>Precedence</h2>
 * For {@link #linger()} and {@link #checks()} the most specific setting wins: the test method's annotation, then the
 * test class's, its superclasses', its enclosing classes', then the configuration parameters (a per-check parameter
 * such as {@value #THREADS_ENABLED_PROPERTY_NAME} beats {@value #CHECKS_PROPERTY_NAME}), then the defaults of
 * {@link dev.steadfast.leak.LeakDetector}. Thread filters ({@link #ignoreThreads()}, {@link #threadFilters()} and
 * their configuration parameters) add up across all of these.
 *
 * <h2>Whole suite</h2>
 * Put these lines in {@code src/test/resources/junit-platform.properties} to check every test without annotating it:
 * <pre>{@code
 * junit.jupiter.extensions.autodetection.enabled=true
 * steadfast.leakfree.enabled=true
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LeakFreeExtension.class)
public @interface LeakFree {

    /**
     * Configuration parameter that applies {@code @LeakFree} to every test of the run, when the extension is
     * auto-detected ({@code junit.jupiter.extensions.autodetection.enabled=true}): {@code true} or {@code false}
     * (the default).
     */
    String ENABLED_PROPERTY_NAME = "steadfast.leakfree.enabled";

    /**
     * Configuration parameter for the default {@link #linger()}, in the same format, e.g. {@code 500ms}.
     */
    String LINGER_PROPERTY_NAME = "steadfast.leakfree.linger";

    /**
     * Configuration parameter for the default {@link #checks()}: a comma-separated list of {@link LeakCheck} names,
     * e.g. {@code THREADS,THREAD_LOCALS}.
     */
    String CHECKS_PROPERTY_NAME = "steadfast.leakfree.checks";

    /**
     * Configuration parameter turning the {@link LeakCheck#THREADS} check on or off ({@code true} or
     * {@code false}); beats {@value #CHECKS_PROPERTY_NAME}.
     */
    String THREADS_ENABLED_PROPERTY_NAME = "steadfast.leakfree.threads.enabled";

    /**
     * Configuration parameter turning the {@link LeakCheck#THREAD_LOCALS} check on or off ({@code true} or
     * {@code false}); beats {@value #CHECKS_PROPERTY_NAME}.
     */
    String THREAD_LOCALS_ENABLED_PROPERTY_NAME = "steadfast.leakfree.thread-locals.enabled";

    /**
     * Configuration parameter turning the {@link LeakCheck#RETAINED_OBJECTS} check on or off ({@code true} or
     * {@code false}); beats {@value #CHECKS_PROPERTY_NAME}.
     */
    String RETAINED_OBJECTS_ENABLED_PROPERTY_NAME = "steadfast.leakfree.retained-objects.enabled";

    /**
     * Configuration parameter adding thread-name patterns to ignore, for every test: a comma-separated list of
     * regular expressions, each matched against the whole thread name.
     */
    String IGNORE_THREADS_PROPERTY_NAME = "steadfast.leakfree.ignore-threads";

    /**
     * Configuration parameter adding {@link ThreadFilter} implementations, for every test: a comma-separated list of
     * fully qualified class names, each with a no-argument constructor.
     */
    String THREAD_FILTERS_PROPERTY_NAME = "steadfast.leakfree.thread-filters";

    /**
     * Configuration parameter adding ThreadLocals never to report, for every test: a comma-separated list of
     * declaring static fields, e.g. {@code com.acme.Cache.BUFFER,com.acme.Codec$Holder.ENCODER}.
     */
    String IGNORE_THREAD_LOCALS_PROPERTY_NAME = "steadfast.leakfree.ignore-thread-locals";

    /**
     * Configuration parameter adding creating classes whose threads are never reported, for every test: a
     * comma-separated list of class names or {@code package.*} patterns, as in {@link #ignoreThreadsCreatedBy()}.
     */
    String IGNORE_THREADS_CREATED_BY_PROPERTY_NAME = "steadfast.leakfree.ignore-threads-created-by";

    /**
     * Configuration parameter adding catalog entries of known library behaviour: a comma-separated list of
     * {@link dev.steadfast.leak.KnownBehaviors} classes with a no-argument constructor (providers registered with
     * {@link java.util.ServiceLoader} are found without it).
     */
    String KNOWN_BEHAVIORS_PROPERTY_NAME = "steadfast.leakfree.known-behaviors";

    /**
     * Configuration parameter making notes failures ({@code true} or {@code false}, the default): per-thread caches
     * and known library behaviour are then reported as leaks. For auditing, not for everyday suites.
     */
    String STRICT_PROPERTY_NAME = "steadfast.leakfree.strict";

    /**
     * Configuration parameter listing classes to initialise once per run, before the first checked test, so that
     * one-time initialisation (a configuration parsed, a cache built, a thread started) never lands on whichever
     * test touches them first: a comma-separated list of fully qualified class names.
     */
    String WARM_UP_PROPERTY_NAME = "steadfast.leakfree.warm-up";

    /**
     * Configuration parameter turning off the logging frameworks' warm-up ({@code true}, the default, or
     * {@code false}): java.util.logging, SLF4J and Log4j 2 found on the class path are initialised once per run
     * before the first checked test, so their configuration parsing is no test's leak.
     */
    String WARM_UP_LOGGING_PROPERTY_NAME = "steadfast.leakfree.warm-up.logging";

    /**
     * How long to wait for threads started by the test to end before calling them leaked: {@code 0}, a number with a
     * unit ({@code ns}, {@code us}, {@code ms}, {@code s}, {@code m}, {@code h}; e.g. {@code 250ms}, {@code 2 s}) or
     * an ISO-8601 duration ({@code PT0.5S}). Empty (the default) means: from a less specific annotation,
     * {@value #LINGER_PROPERTY_NAME}, or {@link dev.steadfast.leak.LeakDetector#DEFAULT_LINGER}. The wait ends as
     * soon as the test's threads are gone, so a clean test does not pay it.
     *
     * @return the linger, or empty for the inherited setting
     */
    String linger() default "";

    /**
     * The checks to run. Empty (the default) means: from a less specific annotation or the configuration
     * parameters, else all of them.
     *
     * @return the checks, or empty for the inherited setting
     */
    LeakCheck[] checks() default {};

    /**
     * Regular expressions for names of threads that are not leaks (matched against the whole name), added to those
     * of less specific annotations, {@value #IGNORE_THREADS_PROPERTY_NAME} and the built-in JVM and test-tool
     * filters.
     *
     * @return thread-name patterns to ignore
     */
    String[] ignoreThreads() default {};

    /**
     * ThreadLocals never to report (neither as leak nor as note), by their declaring static field, e.g.
     * {@code "com.acme.Cache.BUFFER"}; added to those of less specific annotations and
     * {@value #IGNORE_THREAD_LOCALS_PROPERTY_NAME}.
     *
     * @return declaring fields to ignore
     */
    String[] ignoreThreadLocals() default {};

    /**
     * Threads never to report, by the class that created them or ran the executor, timer or factory that did (a
     * class named in the thread's creation site): a class name, nested classes included, or a package as
     * {@code com.acme.*}; added to those of less specific annotations and
     * {@value #IGNORE_THREADS_CREATED_BY_PROPERTY_NAME}. For a library thread whose generic name ({@code Timer-2})
     * cannot be ignored without hiding the test's own.
     *
     * @return creating classes or packages to ignore
     */
    String[] ignoreThreadsCreatedBy() default {};

    /**
     * Thread filters, each instantiated through its no-argument constructor, added to those of less specific
     * annotations, {@value #THREAD_FILTERS_PROPERTY_NAME} and the built-in filters.
     *
     * @return filter classes
     */
    Class<? extends ThreadFilter>[] threadFilters() default {};
}
