package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.leaktestlib.SingletonLibrary;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A library's JVM-wide singleton threads are notes; look-alike threads that the scope's own code owns are leaks.
 * Each holder class is initialised by one test only, so the order of tests does not matter.
 */
class LibrarySingletonThreadsTest {

    private final LeakDetector detector = LeakDetector.builder()
            .checks(EnumSet.of(LeakCheck.THREADS)).linger(Duration.ofMillis(50)).build();

    @AfterAll
    static void endLibraryThreads() {
        SingletonLibrary.release();
    }

    @Test
    void daemonThreadOfAStaticHolder_isANote_namingTheClassBeingInitialised() {
        try (LeakScope scope = detector.open("holder")) {
            Thread thread = SingletonLibrary.daemonHolderThread();
            LeakReport report = scope.check();

            assertThat(report.threads()).as(report.toString()).isEmpty();
            assertThat(report.notes()).singleElement().satisfies(note -> {
                assertThat(note.subject()).isEqualTo("thread \"" + thread.getName() + "\" (daemon)");
                assertThat(note.source()).isEqualTo(LibrarySingletonThreads.SOURCE);
                assertThat(note.why()).contains("SingletonLibrary$DaemonHolder was being initialised");
            });
        }
    }

    @Test
    void nonDaemonThreadOfAStaticHolder_isALeak() {
        try (LeakScope scope = detector.open("non-daemon holder")) {
            SingletonLibrary.nonDaemonHolderThread();
            LeakReport report = scope.check();

            assertThat(report.threads()).extracting(ThreadLeak::name).containsExactly("library-holder-non-daemon");
        }
    }

    @Test
    void threadHeldByALibrarysStaticInstance_isANote_withThePathToIt() {
        try (LeakScope scope = detector.open("engine")) {
            SingletonLibrary.Engine.INSTANCE.start();
            LeakReport report = scope.check();

            assertThat(report.threads()).as(report.toString()).isEmpty();
            assertThat(report.notes()).singleElement().satisfies(note -> assertThat(note.why())
                    .contains("static Engine.INSTANCE -> thread holds it"));
            assertThat(report.toString()).contains("thread \"library-engine\" (non-daemon) [rule: library singleton");
        }
    }

    @Test
    void daemonThreadOfALibrarysStaticPool_isANote() throws Exception {
        try (LeakScope scope = detector.open("pool")) {
            SingletonLibrary.onPool(() -> { }).get(10, TimeUnit.SECONDS);
            LeakReport report = scope.check();

            assertThat(report.threads()).as(report.toString()).isEmpty();
            assertThat(report.notes()).singleElement().satisfies(note -> assertThat(note.why())
                    .contains("static SingletonLibrary.POOL"));
        }
    }

    @Test
    void ownExecutorBuiltFromALibrarysFactory_isALeak() throws Exception {
        ExecutorService own = Executors.newSingleThreadExecutor(SingletonLibrary.DAEMON_FACTORY);
        try (LeakScope scope = detector.open("own executor")) {
            own.submit(() -> { }).get(10, TimeUnit.SECONDS);
            LeakReport report = scope.check();

            assertThat(report.threads()).extracting(ThreadLeak::name).containsExactly("library-worker");
            assertThat(report.notes()).isEmpty();
        } finally {
            own.shutdownNow();
            assertThat(own.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void strictDetector_reportsASingletonAsALeak() {
        LeakDetector strict = LeakDetector.from(detector).strict(true).build();
        try (LeakScope scope = strict.open("strict")) {
            SingletonLibrary.secondDaemonHolderThread();
            LeakReport report = scope.check();

            assertThat(report.threads()).extracting(ThreadLeak::name).containsExactly("library-holder-second");
            assertThat(report.notes()).isEmpty();
        }
    }

    @Test
    void ignoreThreadsCreatedBy_leavesOutThatLibrarysThreads_notOthers() throws Exception {
        LeakDetector ignoring = LeakDetector.from(detector).ignoreThreadsCreatedBy("dev.steadfast.leaktestlib.*")
                .build();
        ExecutorService own = Executors.newSingleThreadExecutor();
        try (LeakScope scope = ignoring.open("ignoring")) {
            SingletonLibrary.nonDaemonIgnoredHolderThread(); // a leak by the rules, but its creator is ignored
            own.submit(() -> { }).get(10, TimeUnit.SECONDS);
            LeakReport report = scope.check();

            assertThat(report.threads()).extracting(ThreadLeak::name).singleElement().asString().startsWith("pool-");
        } finally {
            own.shutdownNow();
            assertThat(own.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void ignoreThreadsCreatedBy_malformed_isRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LeakDetector.builder()
                        .ignoreThreadsCreatedBy("com.acme.*.Scheduler"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ignoreThreadsCreatedBy needs a class name (com.acme.Scheduler, nested classes with $) or "
                        + "a package followed by .* (com.acme.*): \"com.acme.*.Scheduler\"");
    }
}
