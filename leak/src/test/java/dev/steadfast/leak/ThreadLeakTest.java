package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ThreadLeakTest {

    private static final Duration SHORT_LINGER = Duration.ofMillis(200);

    /** Released after each test so no fixture thread outlives it. */
    private final CountDownLatch release = new CountDownLatch(1);

    private final LeakDetector detector = LeakDetector.builder()
            .checks(EnumSet.of(LeakCheck.THREADS)).linger(SHORT_LINGER).build();

    @AfterEach
    void releaseFixtureThreads() {
        release.countDown();
    }

    @Test
    void threadThatNeverEnds_isReported_withNameStateStackAndCreationSite() {
        try (LeakScope scope = detector.open("never ends")) {
            Thread leaked = startBlockedThread("never-ending-worker");
            LeakReport report = scope.check();

            assertThat(report.isClean()).isFalse();
            assertThat(report.threads()).hasSize(1);
            ThreadLeak leak = report.threads().get(0);
            assertThat(leak.name()).isEqualTo("never-ending-worker");
            assertThat(leak.id()).isEqualTo(leaked.getId());
            assertThat(leak.state()).isEqualTo(Thread.State.WAITING);
            assertThat(leak.daemon()).isFalse();
            assertThat(leak.stack()).anyMatch(frame -> frame.getMethodName().equals("await"));
            assertThat(leak.createdBy()).contains(Thread.currentThread().getName());
            assertThat(leak.creationSite().get(0).getMethodName()).isEqualTo("startBlockedThread");
            assertThat(report.toString()).contains(
                    "1 thread started in the scope still alive after 200 ms:",
                    "\"never-ending-worker\" (id " + leaked.getId() + ", WAITING, non-daemon: keeps the JVM from exiting)",
                    "at java.util.concurrent.CountDownLatch.await",
                    "started by thread \"" + Thread.currentThread().getName() + "\" at",
                    "at dev.steadfast.leak.ThreadLeakTest.startBlockedThread(ThreadLeakTest.java:");
        }
    }

    @Test
    void threadThatEndsWithinLinger_isNotReported() {
        LeakDetector patient = LeakDetector.from(detector).linger(Duration.ofSeconds(30)).build();
        try (LeakScope scope = patient.open("ends soon")) {
            Thread worker = new Thread(() -> sleepQuietly(Duration.ofMillis(300)), "short-worker");
            worker.start();
            LeakReport report = scope.check();

            assertThat(worker.isAlive()).isFalse();
            assertThat(report.threads()).isEmpty();
            assertThat(report.isClean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void cleanScope_doesNotWaitForTheLinger() {
        LeakDetector patient = LeakDetector.from(detector).linger(Duration.ofMinutes(5)).build();
        try (LeakScope scope = patient.open("nothing started")) {
            long start = System.nanoTime();
            LeakReport report = scope.check();

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            assertThat(report.isClean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void eightLeakedWorkersOfOnePool_readAsOneBlock() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (LeakScope scope = detector.open("pool leak")) {
            CountDownLatch allStarted = new CountDownLatch(8);
            for (int i = 0; i < 8; i++) {
                pool.execute(() -> {
                    allStarted.countDown();
                    awaitQuietly(allStarted);
                });
            }
            assertThat(allStarted.await(10, TimeUnit.SECONDS)).isTrue();
            LeakReport report = scope.check();

            String text = report.toString();
            assertThat(report.threads()).hasSize(8);
            assertThat(text).contains("8 threads of one pool (non-daemon: they keep the JVM from exiting): \"pool-")
                    .contains("all started by thread \"" + Thread.currentThread().getName() + "\" at");
            assertThat(text.split("\n")).as(text).hasSizeLessThan(40);
            assertThat(text.split("all started by", -1)).hasSize(2); // one creation site for the whole pool
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void executorNeverShutDown_isReported_withPoolCreationSite() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(1, named("orders-pool"));
        try (LeakScope scope = detector.open("executor leak")) {
            // The worker is created lazily, inside submit(), by the scope's thread.
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            LeakReport report = scope.check();

            assertThat(report.threads()).extracting(ThreadLeak::name).containsExactly("orders-pool");
            assertThat(report.threads().get(0).creationSite())
                    .anyMatch(frame -> frame.getClassName().equals("java.util.concurrent.ThreadPoolExecutor")
                            && frame.getMethodName().equals("addWorker"));
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void executorLeak_reportStartsCreationSiteAtTheSubmittingCode_andNamesTheExecutorInAViaLine() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(1, named("billing-pool"));
        try (LeakScope scope = detector.open("executor leak text")) {
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            String text = scope.check().toString();

            String site = text.substring(text.indexOf("started by thread"));
            assertThat(site).contains("via java.util.concurrent.ThreadPoolExecutor.execute (thread factory "
                            + "dev.steadfast.leak.ThreadLeakTest.lambda$named$",
                    "at dev.steadfast.leak.ThreadLeakTest."
                            + "executorLeak_reportStartsCreationSiteAtTheSubmittingCode_andNamesTheExecutorInAViaLine(",
                    "more frames (test framework)")
                    .doesNotContain("addWorker", "Thread.<init>", "ScopeMarker", "org.junit.");
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void executorShutDown_isClean() throws Exception {
        try (LeakScope scope = detector.open("executor shut down")) {
            ExecutorService pool = Executors.newFixedThreadPool(2, named("tidy-pool"));
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            pool.shutdown();
            LeakReport report = scope.check();

            assertThat(report.threads()).isEmpty();
            assertThat(report.isClean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void threadStartedByAThreadOfTheScope_isAttributedToTheScope() throws Exception {
        try (LeakScope scope = detector.open("grandchild")) {
            Thread parent = new Thread(() -> startBlockedThread("grandchild-worker"), "short-lived-parent");
            parent.start();
            parent.join(10_000);
            LeakReport report = scope.check();

            assertThat(report.threads()).extracting(ThreadLeak::name).containsExactly("grandchild-worker");
            assertThat(report.threads().get(0).createdBy()).contains("short-lived-parent");
        }
    }

    @Test
    void threadStartedBeforeTheScope_isNotReported() {
        startBlockedThread("started-before-scope");
        try (LeakScope scope = detector.open("pre-existing thread")) {
            assertThat(scope.check().threads()).isEmpty();
        }
    }

    @Test
    void threadStartedAfterClose_isNotAttributed() {
        LeakScope scope = detector.open("closed early");
        scope.close();
        startBlockedThread("after-close");
        try (LeakScope next = detector.open("next")) {
            assertThat(next.check().threads()).isEmpty();
        }
    }

    @Test
    void threadFilters_addUp() {
        LeakDetector filtered = LeakDetector.from(detector)
                .threadFilter(ThreadFilter.nameStartsWith("ignored-a-"))
                .threadFilter(ThreadFilter.nameMatches("ignored-b-\\d+"))
                .build();
        try (LeakScope scope = filtered.open("filters")) {
            startBlockedThread("ignored-a-1");
            startBlockedThread("ignored-b-2");
            startBlockedThread("reported-c-3");
            LeakReport report = scope.check();

            assertThat(report.threads()).extracting(ThreadLeak::name).containsExactly("reported-c-3");
        }
    }

    @Test
    void builtInFilters_ignoreToolThreads_unlessTurnedOff() {
        try (LeakScope scope = detector.open("built-in")) {
            startBlockedThread("awaitility-thread");
            assertThat(scope.check().threads()).isEmpty();
        }
        LeakDetector unfiltered = LeakDetector.from(detector).builtInThreadFilters(false).build();
        try (LeakScope scope = unfiltered.open("no built-in")) {
            startBlockedThread("awaitility-thread");
            assertThat(scope.check().threads()).extracting(ThreadLeak::name).containsExactly("awaitility-thread");
        }
    }

    @Test
    void scopesOpenedInParallel_eachReportOnlyTheirOwnThreads() throws Exception {
        CyclicBarrier bothOpen = new CyclicBarrier(2);
        CyclicBarrier bothStarted = new CyclicBarrier(2);
        ExecutorService tests = Executors.newFixedThreadPool(2, named("parallel-test"));
        try (LeakScope outer = detector.open("outer")) {
            Future<LeakReport> leaky = tests.submit(() -> {
                try (LeakScope scope = detector.open("leaky test")) {
                    bothOpen.await(10, TimeUnit.SECONDS);
                    startBlockedThread("leaked-by-leaky-test");
                    bothStarted.await(10, TimeUnit.SECONDS);
                    return scope.check();
                }
            });
            Future<LeakReport> clean = tests.submit(() -> {
                try (LeakScope scope = detector.open("clean test")) {
                    bothOpen.await(10, TimeUnit.SECONDS);
                    Thread tidy = new Thread(() -> { }, "tidy-thread-of-clean-test");
                    tidy.start();
                    bothStarted.await(10, TimeUnit.SECONDS);
                    return scope.check();
                }
            });

            LeakReport leakyReport = leaky.get(30, TimeUnit.SECONDS);
            LeakReport cleanReport = clean.get(30, TimeUnit.SECONDS);
            assertThat(leakyReport.threads()).extracting(ThreadLeak::name).containsExactly("leaked-by-leaky-test");
            assertThat(cleanReport.threads()).isEmpty();
            assertThat(cleanReport.isClean()).as(cleanReport.toString()).isTrue();
            tests.shutdown();
            assertThat(tests.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            // The enclosing scope's thread created the two test workers, which ended; their descendants count too.
            assertThat(outer.check().threads()).extracting(ThreadLeak::name).containsExactly("leaked-by-leaky-test");
        } finally {
            tests.shutdownNow();
        }
    }

    @Test
    void check_afterClose_isRejected() {
        LeakScope scope = detector.open("closed");
        scope.close();
        scope.close();

        assertThatThrownBy(scope::check).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("leak scope \"closed\" is closed");
    }

    @Test
    void scopeMarker_isRemovedFromTheOpeningThreadOnClose() {
        int before = openMarkersOnCurrentThread();
        LeakScope scope = detector.open("marker");
        assertThat(openMarkersOnCurrentThread()).isEqualTo(before + 1);
        scope.close();

        assertThat(openMarkersOnCurrentThread()).isEqualTo(before);
    }

    private static int openMarkersOnCurrentThread() {
        return (int) dev.steadfast.diagnostics.ThreadLocalMaps.create().entries(Thread.currentThread()).stream()
                .filter(entry -> entry.threadLocal() instanceof ScopeMarker).count();
    }

    private Thread startBlockedThread(String name) {
        Thread thread = new Thread(this::awaitRelease, name);
        thread.start();
        return thread;
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> new Thread(task, count.getAndIncrement() == 0 ? prefix : prefix + "-" + count.get());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
