package dev.steadfast.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import dev.steadfast.junit.corpus.Corpus;
import dev.steadfast.junit.corpus.Fixture;
import dev.steadfast.junit.corpus.LeakyScenarios.Loop;
import dev.steadfast.leak.KnownBehavior;
import dev.steadfast.leak.KnownBehaviors;
import dev.steadfast.leak.LeakCheck;
import dev.steadfast.leak.LeakWatcher;
import dev.steadfast.leak.ThreadFilter;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

/** {@link LeakFree} run the way JUnit tests its own extensions: fixture classes through the engine test kit. */
class LeakFreeExtensionTest {

    private static final String PREFIX = LeakFreeExtensionTest.class.getName() + "$";

    @Fixture
    @LeakFree
    static class OneOfThreeLeaks {
        @Test
        void before() {
        }

        @Test
        void leaks() {
            Loop.start("fixture-leaker");
        }

        @Test
        void after() {
        }
    }

    @Test
    void leakedThread_failsOnlyTheTestThatStartedIt() {
        EngineExecutionResults results = Corpus.run(OneOfThreeLeaks.class);

        results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(2).failed(1));
        results.testEvents().assertThatEvents()
                .haveExactly(1, event(test("leaks"), finishedWithFailure(instanceOf(AssertionFailedError.class))))
                .haveExactly(1, event(test("before"), finishedSuccessfully()))
                .haveExactly(1, event(test("after"), finishedSuccessfully()));
        assertThat(failureMessage(results))
                .startsWith("Leak check of \"" + PREFIX + "OneOfThreeLeaks.leaks()\": 1 leak\n")
                .contains("\"fixture-leaker\"")
                .contains("If a thread may outlive the test, stop it in @AfterEach");
    }

    @Fixture
    @LeakFree
    static class LeaksManyThreads {
        @Test
        void test() {
            for (char c = 'a'; c <= 'z'; c++) {
                Loop.start("fixture-many-" + c); // no digits: each its own group, so the report is long
            }
        }
    }

    @Test
    void longReport_isCutWithTheFullReportInAFileTheMessageNames() throws Exception {
        String message = failureMessage(Corpus.run(LeaksManyThreads.class));

        String[] lines = message.split("\n");
        assertThat(lines).hasSizeLessThanOrEqualTo(LeakFreeMessages.MAX_LINES);
        assertThat(lines[lines.length - 1]).matches("… \\d+ more lines; the full report is in .*\\.txt");
        java.nio.file.Path file = java.nio.file.Path.of(lines[lines.length - 1]
                .replaceFirst(".* the full report is in ", ""));
        assertThat(file).startsWith(java.nio.file.Path.of(System.getProperty("basedir", System.getProperty("user.dir")),
                "target").toAbsolutePath());
        assertThat(java.nio.file.Files.readString(file)).contains("\"fixture-many-a\"", "\"fixture-many-z\"")
                .startsWith("Leak check of \"" + PREFIX + "LeaksManyThreads.test()\": 26 leaks");
    }

    @Fixture
    @LeakFree
    @Execution(ExecutionMode.CONCURRENT)
    static class ParallelTests {
        @Test
        void leaks1() {
            Loop.start("fixture-parallel-1");
        }

        @Test
        void clean1() throws Exception {
            Thread worker = new Thread(() -> { }, "fixture-parallel-clean-1");
            worker.start();
            worker.join();
        }

        @Test
        void clean2() {
        }

        @Test
        void leaks2() {
            Loop.start("fixture-parallel-2");
        }
    }

    @Test
    void parallelExecution_eachLeakFailsOnlyItsOwnTest() {
        EngineExecutionResults results = Corpus.run(ParallelTests.class, Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "4"));

        results.testEvents().assertStatistics(stats -> stats.started(4).succeeded(2).failed(2));
        results.testEvents().assertThatEvents()
                .haveExactly(1, event(test("leaks1"), finishedWithFailure(message(text ->
                        text.contains("\"fixture-parallel-1\"") && !text.contains("fixture-parallel-2")))))
                .haveExactly(1, event(test("leaks2"), finishedWithFailure(message(text ->
                        text.contains("\"fixture-parallel-2\"") && !text.contains("fixture-parallel-1")))));
    }

    @Fixture
    @LeakFree
    static class StopsItsThreadInAfterEach {
        final List<Thread> started = new CopyOnWriteArrayList<>();

        @BeforeEach
        void startWorker() {
            Thread worker = new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "fixture-stopped-in-after-each");
            worker.start();
            started.add(worker);
        }

        @Test
        void test() {
        }

        @AfterEach
        void stopWorker() throws InterruptedException {
            for (Thread thread : started) {
                thread.interrupt();
                thread.join();
            }
        }
    }

    @Test
    void threadStoppedInAfterEach_isNotALeak() {
        Corpus.run(StopsItsThreadInAfterEach.class).testEvents()
                .assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    /** A retained object, to check the path naming. */
    static final class Registry {
        static final List<Object> ENTRIES = new CopyOnWriteArrayList<>();
    }

    @Fixture
    @LeakFree
    static class WatchesRetainedObject {
        @Test
        void test(LeakWatcher watcher) {
            Object entry = new StringBuilder("entry");
            Registry.ENTRIES.add(entry);
            watcher.watch(entry, "registry entry");
        }
    }

    @Test
    void watchedObjectStillReachable_failsNamingTheStaticField() {
        EngineExecutionResults results;
        try {
            results = Corpus.run(WatchesRetainedObject.class);
        } finally {
            Registry.ENTRIES.clear();
        }

        assertThat(failureMessage(results))
                .startsWith("Leak check of \"" + PREFIX + "WatchesRetainedObject.test()\": 1 leak\n")
                .contains("\"registry entry\" (java.lang.StringBuilder)")
                .contains("static " + PREFIX + "Registry.ENTRIES");
    }

    @Fixture
    @LeakFree
    static class FailsAndLeaks {
        @Test
        void test() {
            Loop.start("fixture-failing-leaker");
            throw new IllegalStateException("the test's own failure");
        }
    }

    @Test
    void failingTestThatAlsoLeaks_keepsItsOwnFailureFirstAndTheLeakSuppressed() {
        EngineExecutionResults results = Corpus.run(FailsAndLeaks.class);

        Throwable failure = Corpus.onlyFailure(results);
        assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessage("the test's own failure");
        assertThat(failure.getSuppressed()).singleElement().isInstanceOf(AssertionFailedError.class)
                .extracting(Throwable::getMessage).asString().contains("\"fixture-failing-leaker\"");
    }

    @Fixture
    @LeakFree(checks = LeakCheck.THREADS)
    static class ThreadsOnlyOnClass {
        static final ThreadLocal<String> CLASS_LOCAL = new ThreadLocal<>();
        static final ThreadLocal<String> METHOD_LOCAL = new ThreadLocal<>();

        @Test
        void classChecks() {
            CLASS_LOCAL.set("left behind");
        }

        @Test
        @LeakFree(checks = LeakCheck.THREAD_LOCALS)
        void methodChecks() {
            METHOD_LOCAL.set("left behind");
        }
    }

    @Test
    void methodAnnotation_beatsClassAnnotation() {
        EngineExecutionResults results;
        try {
            results = Corpus.run(ThreadsOnlyOnClass.class);
        } finally {
            ThreadsOnlyOnClass.CLASS_LOCAL.remove();
            ThreadsOnlyOnClass.METHOD_LOCAL.remove();
        }

        results.testEvents().assertThatEvents()
                .haveExactly(1, event(test("classChecks"), finishedSuccessfully()))
                .haveExactly(1, event(test("methodChecks"), finishedWithFailure(message(text ->
                        text.contains("static " + PREFIX + "ThreadsOnlyOnClass.METHOD_LOCAL")))));
    }

    @Fixture
    @LeakFree(checks = LeakCheck.THREAD_LOCALS)
    static class ThreadLocalsOnlyAnnotation {
        @Test
        void test() {
            Loop.start("fixture-ignored-by-annotation");
        }
    }

    @Test
    void annotation_beatsConfigurationParameter() {
        Corpus.run(ThreadLocalsOnlyAnnotation.class, Map.of(LeakFree.CHECKS_PROPERTY_NAME, "THREADS"))
                .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Fixture
    @LeakFree
    static class LeaksThreadLocal {
        static final ThreadLocal<String> LOCAL = new ThreadLocal<>();

        @Test
        void test() {
            LOCAL.set("left behind");
        }
    }

    @Test
    void perCheckParameter_beatsChecksParameter() {
        EngineExecutionResults results;
        try {
            results = Corpus.run(LeaksThreadLocal.class, Map.of(
                    LeakFree.CHECKS_PROPERTY_NAME, "THREADS,THREAD_LOCALS",
                    LeakFree.THREAD_LOCALS_ENABLED_PROPERTY_NAME, "false"));
        } finally {
            LeaksThreadLocal.LOCAL.remove();
        }

        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    void checksParameter_turnsACheckOff() {
        EngineExecutionResults results;
        try {
            results = Corpus.run(LeaksThreadLocal.class, Map.of(LeakFree.CHECKS_PROPERTY_NAME, "threads"));
        } finally {
            LeaksThreadLocal.LOCAL.remove();
        }

        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    /** Ignores threads named {@code fixture-filtered-by-class-...}. */
    public static final class FilteredByClass implements ThreadFilter {
        @Override
        public boolean ignores(Thread thread) {
            return thread.getName().startsWith("fixture-filtered-by-class-");
        }
    }

    @LeakFree(ignoreThreads = "fixture-super-.*")
    abstract static class FilteringSuperclass {
    }

    @Fixture
    @LeakFree(ignoreThreads = "fixture-sub-.*", threadFilters = FilteredByClass.class)
    static class FilteringSubclass extends FilteringSuperclass {
        @Test
        @LeakFree(ignoreThreads = "fixture-method-.*")
        void test() {
            Loop.start("fixture-super-1");
            Loop.start("fixture-sub-1");
            Loop.start("fixture-method-1");
            Loop.start("fixture-config-1");
            Loop.start("fixture-filtered-by-class-1");
            Loop.start("fixture-unfiltered-1");
        }
    }

    @Test
    void threadFilters_addUpAcrossMethodClassHierarchyAndConfiguration() {
        EngineExecutionResults results = Corpus.run(FilteringSubclass.class,
                Map.of(LeakFree.IGNORE_THREADS_PROPERTY_NAME, "unrelated-.*, fixture-config-.*"));

        String message = failureMessage(results);
        assertThat(message).startsWith("Leak check of \"" + PREFIX + "FilteringSubclass.test()\": 1 leak\n")
                .contains("\"fixture-unfiltered-1\"")
                .doesNotContain("fixture-super-1", "fixture-sub-1", "fixture-method-1", "fixture-config-1",
                        "fixture-filtered-by-class-1");
    }

    @Fixture
    @LeakFree(ignoreThreads = "fixture-outer-.*")
    static class Outer {
        @Nested
        @LeakFree(ignoreThreads = "fixture-inner-.*")
        class Inner {
            @Test
            void test() {
                Loop.start("fixture-outer-1");
                Loop.start("fixture-inner-1");
                Loop.start("fixture-nested-unfiltered");
            }
        }
    }

    @Test
    void nestedClass_addsTheEnclosingClassFilters() {
        String message = failureMessage(Corpus.run(Outer.class));

        assertThat(message).startsWith("Leak check of \"" + PREFIX + "Outer$Inner.test()\": 1 leak\n")
                .contains("\"fixture-nested-unfiltered\"")
                .doesNotContain("fixture-outer-1", "fixture-inner-1");
    }

    @Fixture
    @LeakFree(linger = "soon", ignoreThreads = "[unclosed")
    static class Misconfigured {
        @Test
        void test() {
        }
    }

    @Test
    void misconfiguration_isReportedAllAtOnceNamingEachSource() {
        EngineExecutionResults results = Corpus.run(Misconfigured.class,
                Map.of(LeakFree.CHECKS_PROPERTY_NAME, "THREADS,HANDLES",
                        LeakFree.THREAD_FILTERS_PROPERTY_NAME, "com.example.Missing"));

        assertThat(failureMessage(results)).isEqualTo("@LeakFree is misconfigured for " + PREFIX
                + "Misconfigured.test():\n"
                + "  - linger = \"soon\" of @LeakFree on class " + PREFIX
                + "Misconfigured: not a duration: 'soon' (write e.g. 500ms, 10s, 2m, 1h, 1d or ISO-8601 PT0.5S)\n"
                + "  - configuration parameter steadfast.leakfree.checks names an unknown check \"HANDLES\"; known: "
                + "[THREADS, THREAD_LOCALS, RETAINED_OBJECTS]\n"
                + "  - ignoreThreads = \"[unclosed\" of @LeakFree on class " + PREFIX
                + "Misconfigured: not a regular expression (Unclosed character class)\n"
                + "  - configuration parameter steadfast.leakfree.thread-filters entry \"com.example.Missing\": "
                + "class not found on the test class path");
    }

    @Fixture
    @LeakFree(ignoreThreadLocals = "Cache")
    static class MisconfiguredCatalog {
        @Test
        void test() {
        }
    }

    @Test
    void catalogMisconfiguration_isReportedAllAtOnceNamingEachSource() {
        EngineExecutionResults results = Corpus.run(MisconfiguredCatalog.class,
                Map.of(LeakFree.STRICT_PROPERTY_NAME, "sometimes",
                        LeakFree.KNOWN_BEHAVIORS_PROPERTY_NAME, "java.lang.String"));

        assertThat(failureMessage(results)).isEqualTo("@LeakFree is misconfigured for " + PREFIX
                + "MisconfiguredCatalog.test():\n"
                + "  - ignoreThreadLocals = \"Cache\" of @LeakFree on class " + PREFIX
                + "MisconfiguredCatalog: not a declaring field; write package.Class.FIELD, e.g. com.acme.Cache.BUFFER\n"
                + "  - configuration parameter steadfast.leakfree.known-behaviors entry \"java.lang.String\": does not "
                + "implement dev.steadfast.leak.KnownBehaviors\n"
                + "  - configuration parameter steadfast.leakfree.strict must be true or false: sometimes");
    }

    @Fixture
    @LeakFree(ignoreThreadsCreatedBy = "dev.steadfast.junit.corpus.LeakyScenarios$Loop")
    static class LeaksThroughAnIgnoredCreator {
        @Test
        void test() {
            Loop.start("fixture-ignored-creator");
            java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
            Thread own = new Thread(() -> awaitQuietly(stop), "fixture-own-thread"); // created here: not ignored
            own.setDaemon(true);
            own.start();
            dev.steadfast.junit.corpus.Leftovers.undoAfterVerdict(() -> {
                stop.countDown();
                own.join(10_000);
            });
        }
    }

    @Test
    void ignoreThreadsCreatedBy_leavesOutThreadsThatClassCreated_only() {
        String message = failureMessage(Corpus.run(LeaksThroughAnIgnoredCreator.class));

        assertThat(message).startsWith("Leak check of \"" + PREFIX + "LeaksThroughAnIgnoredCreator.test()\": 1 leak\n")
                .contains("\"fixture-own-thread\"")
                .doesNotContain("fixture-ignored-creator");
    }

    @Fixture
    @LeakFree(ignoreThreadsCreatedBy = "com.acme.*.Scheduler")
    static class MisconfiguredCreator {
        @Test
        void test() {
        }
    }

    @Test
    void ignoreThreadsCreatedBy_malformed_isReportedNamingItsSource() {
        EngineExecutionResults results = Corpus.run(MisconfiguredCreator.class,
                Map.of(LeakFree.IGNORE_THREADS_CREATED_BY_PROPERTY_NAME, "com.acme.Ok, not a class"));

        assertThat(failureMessage(results)).isEqualTo("@LeakFree is misconfigured for " + PREFIX
                + "MisconfiguredCreator.test():\n"
                + "  - ignoreThreadsCreatedBy = \"com.acme.*.Scheduler\" of @LeakFree on class " + PREFIX
                + "MisconfiguredCreator: not a class or package; write com.acme.Scheduler or com.acme.*\n"
                + "  - configuration parameter steadfast.leakfree.ignore-threads-created-by entry \"not a class\": "
                + "not a class or package; write com.acme.Scheduler or com.acme.*");
    }

    /** A per-thread cache of the suite's own, held softly: a note unless strict. */
    @Fixture
    @LeakFree
    static class KeepsSoftCache {
        static final ThreadLocal<Object> CACHE = new ThreadLocal<>();

        @Test
        void test() {
            CACHE.set(new java.lang.ref.SoftReference<>(new byte[16]));
        }
    }

    @Test
    void softCache_isANote_butFailsUnderStrict() {
        try {
            Corpus.run(KeepsSoftCache.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
            KeepsSoftCache.CACHE.remove();
            assertThat(failureMessage(Corpus.run(KeepsSoftCache.class, Map.of(LeakFree.STRICT_PROPERTY_NAME, "true"))))
                    .contains("static " + PREFIX + "KeepsSoftCache.CACHE");
        } finally {
            KeepsSoftCache.CACHE.remove();
        }
    }

    @Fixture
    @LeakFree(ignoreThreadLocals = "dev.steadfast.junit.LeakFreeExtensionTest$IgnoresItsContext.CONTEXT")
    static class IgnoresItsContext {
        static final ThreadLocal<Registry> CONTEXT = new ThreadLocal<>();

        @Test
        void test() {
            CONTEXT.set(new Registry());
        }
    }

    @Test
    void threadLocalIgnoredByDeclaringField_passes() {
        try {
            Corpus.run(IgnoresItsContext.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        } finally {
            IgnoresItsContext.CONTEXT.remove();
        }
    }

    /** A catalog provider named by configuration parameter. */
    public static final class RegistryBehaviors implements KnownBehaviors {
        @Override
        public List<KnownBehavior> behaviors() {
            return List.of(KnownBehavior.threadLocal("Registry", ".*IgnoresItsContext\\.CONTEXT",
                    "one registry per worker", "nothing"));
        }
    }

    @Test
    void catalogProviderFromConfiguration_makesItsEntryANote() {
        try {
            Corpus.run(LeaksIntoContext.class, Map.of(LeakFree.KNOWN_BEHAVIORS_PROPERTY_NAME,
                            RegistryBehaviors.class.getName()))
                    .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
            IgnoresItsContext.CONTEXT.remove();
            assertThat(failureMessage(Corpus.run(LeaksIntoContext.class)))
                    .contains("IgnoresItsContext.CONTEXT");
        } finally {
            IgnoresItsContext.CONTEXT.remove();
        }
    }

    @Fixture
    @LeakFree
    static class LeaksIntoContext {
        @Test
        void test() {
            IgnoresItsContext.CONTEXT.set(new Registry());
        }
    }

    @Test
    void everyCheckTurnedOff_isAConfigurationError() {
        EngineExecutionResults results = Corpus.run(LeaksThreadLocal.class, Map.of(
                LeakFree.CHECKS_PROPERTY_NAME, "THREADS",
                LeakFree.THREADS_ENABLED_PROPERTY_NAME, "false"));

        assertThat(failureMessage(results)).isEqualTo("@LeakFree is misconfigured for " + PREFIX
                + "LeaksThreadLocal.test():\n"
                + "  - the configuration parameters turn every check off (steadfast.leakfree.checks and the per-check "
                + "switches); enable at least one, or remove @LeakFree / steadfast.leakfree.enabled");
    }

    @Fixture
    @LeakFree(linger = "2s")
    static class LingeringThread {
        @Test
        void test() {
            Loop.startBusy("fixture-lingering", Duration.ofMillis(300));
        }
    }

    @Test
    void linger_givesThreadsTimeToEnd() {
        Corpus.run(LingeringThread.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    void lingerZero_fromConfiguration_reportsAThreadStillEnding() {
        EngineExecutionResults results = Corpus.run(UnannotatedLingeringThread.class, Map.of(
                "junit.jupiter.extensions.autodetection.enabled", "true",
                LeakFree.ENABLED_PROPERTY_NAME, "true",
                LeakFree.LINGER_PROPERTY_NAME, "0"));

        assertThat(failureMessage(results)).contains("\"fixture-unannotated-lingering\"");
    }

    @Fixture
    static class UnannotatedLingeringThread {
        @Test
        void test() {
            Loop.startBusy("fixture-unannotated-lingering", Duration.ofSeconds(2));
        }
    }

    @Fixture
    static class UnannotatedLeak {
        @Test
        void test() {
            Loop.start("fixture-suite-wide");
        }
    }

    @Test
    void suiteOptIn_checksTestsWithoutTheAnnotation() {
        EngineExecutionResults results = Corpus.run(UnannotatedLeak.class, Map.of(
                "junit.jupiter.extensions.autodetection.enabled", "true",
                LeakFree.ENABLED_PROPERTY_NAME, "true"));

        assertThat(failureMessage(results)).contains("\"fixture-suite-wide\"");
    }

    @Test
    void autoDetectedExtension_withoutOptIn_checksNothing() {
        Corpus.run(UnannotatedLeak.class, Map.of("junit.jupiter.extensions.autodetection.enabled", "true"))
                .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    void suiteOptOut_readsNoOtherSetting() {
        // A disabled extension does no work at all: not even the misconfigured linger is looked at.
        Corpus.run(UnannotatedLeak.class, Map.of(
                        "junit.jupiter.extensions.autodetection.enabled", "true",
                        LeakFree.ENABLED_PROPERTY_NAME, "false",
                        LeakFree.LINGER_PROPERTY_NAME, "soon"))
                .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    abstract static class LeakyBase {
        @Test
        void leaks() {
            Loop.start("fixture-inherited");
        }
    }

    @Fixture
    @LeakFree
    static class RunsInheritedTest extends LeakyBase {
    }

    @Test
    void inheritedTest_isNamedAfterTheClassThatRunsIt() {
        assertThat(failureMessage(Corpus.run(RunsInheritedTest.class)))
                .startsWith("Leak check of \"" + PREFIX + "RunsInheritedTest.leaks()\": 1 leak\n");
    }

    @Fixture
    @LeakFree(linger = "0")
    static class AnnotatedUnderSuiteOptIn {
        @Test
        void test(LeakWatcher watcher) {
            watcher.watch(new Object(), "garbage");
        }
    }

    @Test
    void annotatedTest_underSuiteOptIn_isCheckedOnceWithOneWatcher() {
        Corpus.run(AnnotatedUnderSuiteOptIn.class, Map.of(
                        "junit.jupiter.extensions.autodetection.enabled", "true",
                        LeakFree.ENABLED_PROPERTY_NAME, "true"))
                .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Fixture
    @LeakFree(checks = LeakCheck.THREADS)
    static class WatcherWithoutRetainedCheck {
        @Test
        void test(LeakWatcher watcher) {
        }
    }

    @Test
    void leakWatcherParameter_withRetainedObjectsCheckOff_isRejected() {
        assertThat(failureMessage(Corpus.run(WatcherWithoutRetainedCheck.class)))
                .startsWith("A LeakWatcher was requested by ")
                .endsWith(" but the RETAINED_OBJECTS check is off for " + PREFIX
                        + "WatcherWithoutRetainedCheck.test(), so watched objects would never be checked. Add "
                        + "LeakCheck.RETAINED_OBJECTS to @LeakFree(checks = ...) or to the configuration parameter "
                        + "steadfast.leakfree.checks.");
    }

    @Fixture
    @LeakFree
    static class WatcherInConstructor {
        WatcherInConstructor(LeakWatcher watcher) {
        }

        @Test
        void test() {
        }
    }

    @Test
    void leakWatcherParameter_inConstructor_isRejected() {
        assertThat(failureMessage(Corpus.run(WatcherInConstructor.class)))
                .startsWith("A LeakWatcher can be injected only into test methods and their @BeforeEach/@AfterEach "
                        + "methods, not into ")
                .endsWith(": it belongs to one test's scope.");
    }

    @Fixture
    @LeakFree
    static class UsesNettysGlobalEventExecutor {
        @org.junit.jupiter.api.BeforeAll
        static void noGlobalThreadYet() throws InterruptedException {
            dev.steadfast.junit.corpus.LibraryCleanScenarios.NettyGlobalEventExecutorTask.noGlobalThreadYet();
        }

        @Test
        void test() throws Exception {
            // A pending task keeps the singleton's thread alive past the check, which it otherwise may not be.
            ScheduledFuture<?> pending = GlobalEventExecutor.INSTANCE.schedule(() -> { }, 1, TimeUnit.MINUTES);
            dev.steadfast.junit.corpus.Leftovers.undoAfterVerdict(() -> pending.cancel(false));
            assertThat(GlobalEventExecutor.INSTANCE.submit(() -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
        }
    }

    @Test
    void nettysGlobalEventExecutorThread_isALibraryNote_withThePathThatOwnsIt() {
        EngineExecutionResults results = Corpus.run(UsesNettysGlobalEventExecutor.class,
                Map.of(LeakFree.LINGER_PROPERTY_NAME, "100ms"));

        results.testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
        assertThat(reportEntries(results, "steadfast.leakfree.notes")).singleElement().asString()
                .startsWith("thread \"globalEventExecutor-")
                .contains("[rule: library singleton thread]: a JVM-wide singleton of "
                        + "io.netty.util.concurrent.GlobalEventExecutor: static GlobalEventExecutor.INSTANCE -> thread "
                        + "holds it");
    }

    /**
     * Stands for a framework that initialises itself on first use and leaves request-looking state on the thread
     * that woke it (a context of its own type set with {@code set()}): each test below touches its own copy, since
     * a class initialises once per JVM.
     */
    static final class FrameworkContext {
        static final ThreadLocal<FrameworkContext> CURRENT = new ThreadLocal<>();
    }

    static final class FirstUseInitA {
        static final boolean READY = init();

        private static boolean init() {
            FrameworkContext.CURRENT.set(new FrameworkContext());
            return true;
        }
    }

    static final class FirstUseInitB {
        static final boolean READY = init();

        private static boolean init() {
            FrameworkContext.CURRENT.set(new FrameworkContext());
            return true;
        }
    }

    @Fixture
    @LeakFree(checks = LeakCheck.THREAD_LOCALS)
    static class FirstToTouchA {
        @Test
        void test() {
            dev.steadfast.junit.corpus.Leftovers.undoAfterVerdict(FrameworkContext.CURRENT::remove);
            assertThat(FirstUseInitA.READY).isTrue();
        }
    }

    @Fixture
    @LeakFree(checks = LeakCheck.THREAD_LOCALS)
    static class FirstToTouchB {
        @Test
        void test() {
            dev.steadfast.junit.corpus.Leftovers.undoAfterVerdict(FrameworkContext.CURRENT::remove);
            assertThat(FirstUseInitB.READY).isTrue();
        }
    }

    @Test
    void firstUseInitialisation_withoutWarmUp_landsOnTheTestThatTouchedItFirst() {
        assertThat(failureMessage(Corpus.run(FirstToTouchA.class)))
                .contains("LeakFreeExtensionTest$FrameworkContext.CURRENT");
    }

    @Test
    void firstUseInitialisation_listedForWarmUp_landsOnNoTest() {
        EngineExecutionResults results = Corpus.run(FirstToTouchB.class,
                Map.of(LeakFree.WARM_UP_PROPERTY_NAME, FirstUseInitB.class.getName()));

        results.testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
        assertThat(reportEntries(results, WarmUp.REPORT_ENTRY)).singleElement().asString()
                .startsWith("initialised once before the first checked test in ")
                .contains("java.util.logging.LogManager.getLogManager()", "org.slf4j.LoggerFactory.getILoggerFactory()",
                        FirstUseInitB.class.getName());
    }

    @Test
    void warmUp_ofAnUnknownClass_failsNamingIt() {
        EngineExecutionResults results = Corpus.run(OneOfThreeLeaks.class,
                Map.of(LeakFree.WARM_UP_PROPERTY_NAME, "com.acme.Missing, " + FirstUseInitB.class.getName()));

        assertThat(results.testEvents().failed().list()).hasSize(3).allSatisfy(event -> assertThat(
                event.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class).getThrowable()
                        .orElseThrow().getMessage()).isEqualTo("@LeakFree warm-up failed:\n  - configuration parameter "
                        + "steadfast.leakfree.warm-up names \"com.acme.Missing\", which is not on the test class path; "
                        + "write a fully qualified class name, nested classes with $ (com.acme.Outer$Inner)"));
    }

    private static List<String> reportEntries(EngineExecutionResults results, String key) {
        return results.allEvents().reportingEntryPublished().stream()
                .map(event -> event.getRequiredPayload(org.junit.platform.engine.reporting.ReportEntry.class))
                .flatMap(entry -> entry.getKeyValuePairs().entrySet().stream())
                .filter(pair -> pair.getKey().equals(key))
                .map(Map.Entry::getValue)
                .toList();
    }

    private static String failureMessage(EngineExecutionResults results) {
        return Corpus.onlyFailure(results).getMessage();
    }

    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
