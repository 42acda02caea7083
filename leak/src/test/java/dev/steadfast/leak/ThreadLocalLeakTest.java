package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import dev.steadfast.leak.fixtures.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ThreadLocalLeakTest {

    static final ThreadLocal<Session> CURRENT_SESSION = new ThreadLocal<>();

    private final LeakDetector detector = LeakDetector.builder()
            .checks(EnumSet.of(LeakCheck.THREAD_LOCALS)).linger(Duration.ofMillis(200)).build();

    private ThreadPoolExecutor sharedPool;

    @BeforeEach
    void startSharedPool() {
        // Started before the scope, as an application's pool would be: its thread is shared, not the scope's.
        sharedPool = (ThreadPoolExecutor) Executors.newFixedThreadPool(1, task -> new Thread(task, "shared-pool-1"));
        sharedPool.prestartAllCoreThreads();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        CURRENT_SESSION.remove();
        ThreadLocalFixtures.BUFFER.remove();
        ThreadLocalFixtures.ITEMS.remove();
        ThreadLocalFixtures.ANONYMOUS.remove();
        sharedPool.shutdownNow();
        assertThat(sharedPool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void entrySetOnScopeThreadAndNotRemoved_isReported_withDeclaringFieldAndValueType() {
        try (LeakScope scope = detector.open("set, never removed")) {
            CURRENT_SESSION.set(new Session());
            LeakReport report = scope.check();

            assertThat(report.isClean()).isFalse();
            assertThat(report.threadLocals()).containsExactly(new ThreadLocalLeak(Thread.currentThread().getName(),
                    Thread.currentThread().getId(), "java.lang.ThreadLocal",
                    Optional.of("static dev.steadfast.leak.ThreadLocalLeakTest.CURRENT_SESSION"),
                    Session.class.getName(), false));
            assertThat(report.toString()).contains("1 ThreadLocal entry set in the scope and never removed:",
                    "static dev.steadfast.leak.ThreadLocalLeakTest.CURRENT_SESSION (java.lang.ThreadLocal) on thread \""
                            + Thread.currentThread().getName() + "\" holds dev.steadfast.leak.ThreadLocalLeakTest$Session");
        }
    }

    @Test
    void entryRemovedInFinally_isClean() {
        try (LeakScope scope = detector.open("removed in finally")) {
            try {
                CURRENT_SESSION.set(new Session());
            } finally {
                CURRENT_SESSION.remove();
            }
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).isEmpty();
            assertThat(report.isClean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void entryPresentBeforeTheScope_isNotReported() {
        CURRENT_SESSION.set(new Session());
        try (LeakScope scope = detector.open("pre-existing entry")) {
            CURRENT_SESSION.set(new Session());

            assertThat(scope.check().threadLocals()).isEmpty();
        }
    }

    @Test
    void entryLeftOnSharedPoolThread_isReported_onThatThread() throws Exception {
        try (LeakScope scope = detector.open("pool thread leak")) {
            sharedPool.submit(() -> CURRENT_SESSION.set(new Session())).get(10, TimeUnit.SECONDS);
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).singleElement().satisfies(leak -> {
                assertThat(leak.threadName()).isEqualTo("shared-pool-1");
                assertThat(leak.declaringField()).contains("static " + getClass().getName() + ".CURRENT_SESSION");
                assertThat(leak.valueType()).isEqualTo(Session.class.getName());
            });
        }
    }

    @Test
    void poolTaskRemovingItsEntryInFinally_isClean() throws Exception {
        try (LeakScope scope = detector.open("pool task cleans up")) {
            sharedPool.submit(() -> {
                try {
                    CURRENT_SESSION.set(new Session());
                } finally {
                    CURRENT_SESSION.remove();
                }
            }).get(10, TimeUnit.SECONDS);
            LeakReport report = scope.check();

            assertThat(report.isClean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void entryOnThreadStartedInTheScope_isReported() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch set = new CountDownLatch(1);
        try (LeakScope scope = detector.open("own thread")) {
            Thread worker = new Thread(() -> {
                CURRENT_SESSION.set(new Session());
                set.countDown();
                awaitQuietly(release);
            }, "scope-worker");
            worker.start();
            assertThat(set.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(scope.check().threadLocals()).extracting(ThreadLocalLeak::threadName)
                    .containsExactly("scope-worker");
        } finally {
            release.countDown();
        }
    }

    @Test
    void threadStartedInTheScopeThatRunsAnotherScope_isLeftToThatScope() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch set = new CountDownLatch(1);
        LeakReport[] innerReport = new LeakReport[1];
        try (LeakScope outer = detector.open("test runner")) {
            // Like a parallel test-runner worker created while a test runs, which then runs another test.
            Thread worker = new Thread(() -> {
                try (LeakScope inner = detector.open("test on the new worker")) {
                    CURRENT_SESSION.set(new Session());
                    set.countDown();
                    awaitQuietly(release);
                    innerReport[0] = inner.check();
                }
            }, "runner-worker");
            worker.start();
            assertThat(set.await(10, TimeUnit.SECONDS)).isTrue();

            LeakReport outerReport = outer.check();
            release.countDown();
            worker.join(10_000);

            assertThat(outerReport.threadLocals()).isEmpty();
            assertThat(outerReport.warnings()).isEmpty();
            assertThat(innerReport[0].threadLocals()).extracting(ThreadLocalLeak::threadName)
                    .containsExactly("runner-worker");
        } finally {
            release.countDown();
        }
    }

    @Test
    void threadLeftRunningByAnEarlierScope_doesNotMakeTheNextScopeFail() throws Exception {
        CountDownLatch setNow = new CountDownLatch(1);
        CountDownLatch set = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            try (LeakScope earlier = detector.open("earlier test")) {
                new Thread(() -> {
                    awaitQuietly(setNow);
                    CURRENT_SESSION.set(new Session());
                    set.countDown();
                    awaitQuietly(release);
                }, "leftover-background").start();
            }
            try (LeakScope later = detector.open("later test")) {
                setNow.countDown();
                assertThat(set.await(10, TimeUnit.SECONDS)).isTrue();
                LeakReport report = later.check();

                assertThat(report.threadLocals()).isEmpty();
                assertThat(report.warnings()).singleElement().asString()
                        .startsWith("ThreadLocal entries appeared on threads an earlier, closed scope started")
                        .contains("on thread \"leftover-background\"", "(thread started by scope \"earlier test\")");
            }
        } finally {
            setNow.countDown();
            release.countDown();
        }
    }

    @Test
    void withInitialThreadLocal_isNamedFromItsLambdasClass() {
        try (LeakScope scope = detector.open("withInitial")) {
            ThreadLocalFixtures.ITEMS.get().add("x");

            assertThat(scope.check().threadLocals()).singleElement().satisfies(leak -> {
                assertThat(leak.declaringField()).contains("static dev.steadfast.leak.ThreadLocalFixtures.ITEMS");
                assertThat(leak.threadLocalType()).isEqualTo("java.lang.ThreadLocal$SuppliedThreadLocal");
                assertThat(leak.valueType()).isEqualTo("java.util.ArrayList");
            });
        }
    }

    @Test
    void anonymousThreadLocalSubclass_isNamedFromItsEnclosingClass() {
        try (LeakScope scope = detector.open("anonymous")) {
            ThreadLocalFixtures.ANONYMOUS.get();

            // A per-thread cache by construction (initialValue()): a note, still named.
            assertThat(scope.check().notes()).singleElement().extracting(LeakNote::subject).asString()
                    .startsWith("static dev.steadfast.leak.ThreadLocalFixtures.ANONYMOUS ");
        }
    }

    @Test
    void threadLocalInAClassNothingPointsTo_isNamedFromAHeapDump() {
        try (LeakScope scope = detector.open("unrelated holder")) {
            RequestContext.enter(new Session());
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).extracting(ThreadLocalLeak::declaringField)
                    .containsExactly(Optional.of("static dev.steadfast.leak.fixtures.RequestContext.CURRENT"));
        } finally {
            RequestContext.exit();
        }
    }

    @Test
    void threadLocalHeldOnlyInALocalVariable_isReportedWithoutField() {
        try (LeakScope scope = detector.open("unnamed")) {
            ThreadLocal<List<String>> local = new ThreadLocal<>();
            local.set(List.of("a"));
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).singleElement().satisfies(leak -> {
                assertThat(leak.declaringField()).isEmpty();
                assertThat(leak.toString()).startsWith("java.lang.ThreadLocal (declaring field not found) on thread");
            });
            local.remove();
        }
    }

    @Test
    void entryOnSharedThreadWhileAnotherScopeIsOpen_isAWarningNotALeak() throws Exception {
        CountDownLatch otherOpen = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread otherTest = new Thread(() -> {
            try (LeakScope other = detector.open("concurrent test")) {
                otherOpen.countDown();
                awaitQuietly(done);
            }
        }, "concurrent-test");
        otherTest.start();
        try {
            assertThat(otherOpen.await(10, TimeUnit.SECONDS)).isTrue();
            try (LeakScope scope = detector.open("ambiguous")) {
                sharedPool.submit(() -> CURRENT_SESSION.set(new Session())).get(10, TimeUnit.SECONDS);
                LeakReport report = scope.check();

                assertThat(report.threadLocals()).isEmpty();
                assertThat(report.warnings()).singleElement().asString()
                        .startsWith("ThreadLocal entries appeared on shared threads while another scope was open")
                        .contains("CURRENT_SESSION (java.lang.ThreadLocal) on thread \"shared-pool-1\"");
            }
        } finally {
            done.countDown();
            otherTest.join(10_000);
        }
    }

    @Test
    void nullValue_isNotReported() {
        try (LeakScope scope = detector.open("null value")) {
            CURRENT_SESSION.set(null);

            assertThat(scope.check().threadLocals()).isEmpty();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static final class Session {
    }
}
