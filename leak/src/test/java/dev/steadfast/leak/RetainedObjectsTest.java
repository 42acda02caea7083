package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Timer;
import java.util.TimerTask;
import java.util.WeakHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetainedObjectsTest {

    static final List<Object> REGISTRY = new ArrayList<>();
    static final Map<Object, Boolean> WEAK_REGISTRY = new WeakHashMap<>();
    static final List<WeakReference<Object>> WEAK_LISTENERS = new ArrayList<>();
    static final List<SoftReference<Object>> SOFT_CACHE = new ArrayList<>();

    private final LeakDetector detector = LeakDetector.builder()
            .checks(EnumSet.of(LeakCheck.RETAINED_OBJECTS)).build();

    @AfterEach
    void clearRegistries() {
        REGISTRY.clear();
        WEAK_REGISTRY.clear();
        WEAK_LISTENERS.clear();
        SOFT_CACHE.clear();
        EventBus.LISTENERS.clear();
    }

    @Test
    void objectInStaticList_isReported_withStaticFieldAndListIndex() {
        try (LeakScope scope = detector.open("static list")) {
            registerAtIndex3AndWatch(scope);
            LeakReport report = scope.check();

            assertThat(report.isClean()).isFalse();
            assertThat(report.retained()).hasSize(1);
            RetainedObject leak = report.retained().get(0);
            assertThat(leak.description()).isEqualTo("listener after unsubscribe");
            assertThat(leak.type()).isEqualTo(Listener.class.getName());
            RetentionPath path = leak.retentionPath().orElseThrow();
            assertThat(path.gcRoot()).isEqualTo("class " + RetainedObjectsTest.class.getName());
            assertThat(path.hops()).extracting(RetentionPath.Hop::name).containsExactly(
                    "static dev.steadfast.leak.RetainedObjectsTest.REGISTRY",
                    "java.util.ArrayList.elementData[3]");
            assertThat(path.hops().get(1).targetType()).isEqualTo(Listener.class.getName());
            assertThat(report.toString()).contains(
                    "1 watched object still reachable after garbage collection:",
                    "\"listener after unsubscribe\" (dev.steadfast.leak.RetainedObjectsTest$Listener)",
                    "static dev.steadfast.leak.RetainedObjectsTest.REGISTRY -> java.util.ArrayList",
                    "java.util.ArrayList.elementData[3] -> dev.steadfast.leak.RetainedObjectsTest$Listener");
        }
    }

    @Test
    void objectOnlyWeaklyHeld_isNotReported() {
        try (LeakScope scope = detector.open("weak registry")) {
            registerWeaklyAndWatch(scope);
            LeakReport report = scope.check();

            assertThat(report.retained()).isEmpty();
            assertThat(report.isClean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void objectOnlySoftlyHeld_isNotReported_butNamedInWarnings() {
        try (LeakScope scope = detector.open("soft cache")) {
            cacheSoftlyAndWatch(scope);
            LeakReport report = scope.check();

            assertThat(report.retained()).isEmpty();
            assertThat(report.warnings()).singleElement().asString().startsWith(
                    "\"softly cached listener\" (dev.steadfast.leak.RetainedObjectsTest$Listener) is still in "
                            + "memory but not strongly reachable");
        }
    }

    @Test
    void anonymousListenerCapturingOuter_isReported_throughItsOuterReference() {
        try (LeakScope scope = detector.open("anonymous listener")) {
            openAndCloseScreen(scope);
            LeakReport report = scope.check();

            assertThat(report.retained()).hasSize(1);
            assertThat(report.retained().get(0).retentionPath().orElseThrow().hops())
                    .extracting(RetentionPath.Hop::name)
                    .containsExactly("static dev.steadfast.leak.RetainedObjectsTest$EventBus.LISTENERS",
                            "java.util.ArrayList.elementData[0]",
                            "dev.steadfast.leak.RetainedObjectsTest$Screen$1.this$0");
        }
    }

    @Test
    void objectHeldByThreadLocalOnPoolThread_pathNamesTheThread() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(task -> new Thread(task, "retaining-pool-1"));
        ThreadLocal<Object> context = new ThreadLocal<>();
        try (LeakScope scope = detector.open("thread local value")) {
            pool.submit(() -> context.set(watchedSession(scope))).get(10, TimeUnit.SECONDS);
            LeakReport report = scope.check();

            assertThat(report.retained()).hasSize(1);
            List<RetentionPath.Hop> hops = report.retained().get(0).retentionPath().orElseThrow().hops();
            assertThat(hops.get(hops.size() - 1))
                    .isEqualTo(new RetentionPath.Hop(RetentionPath.Kind.THREAD_LOCAL_VALUE,
                            "thread \"retaining-pool-1\" ThreadLocal value", Session.class.getName()));
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void objectHeldThroughAnotherWatchedObject_getsItsOwnFullPath() {
        try (LeakScope scope = detector.open("nested")) {
            registerSessionWithOwnerAndWatchBoth(scope);
            LeakReport report = scope.check();

            assertThat(report.retained()).extracting(RetainedObject::description)
                    .containsExactlyInAnyOrder("session", "user");
            RetainedObject user = report.retained().stream().filter(r -> r.description().equals("user"))
                    .findFirst().orElseThrow();
            assertThat(user.retentionPath().orElseThrow().hops()).extracting(RetentionPath.Hop::name)
                    .containsExactly("static dev.steadfast.leak.RetainedObjectsTest.REGISTRY",
                            "java.util.ArrayList.elementData[0]",
                            "dev.steadfast.leak.RetainedObjectsTest$Session.owner");
        }
    }

    @Test
    void timerNeverCancelled_pathRunsThroughTheTimerThreadsQueue() {
        Timer timer = new Timer("reminder-timer", true);
        try (LeakScope scope = detector.open("timer")) {
            scheduleWatchedTask(timer, scope);
            LeakReport report = scope.check();

            RetentionPath path = report.retained().get(0).retentionPath().orElseThrow();
            assertThat(path.gcRoot()).isEqualTo("thread \"reminder-timer\"");
            assertThat(path.hops()).extracting(RetentionPath.Hop::name)
                    .anyMatch(name -> name.startsWith("java.util.TaskQueue.queue["))
                    .last().asString().endsWith("$ReminderTask.session");
        } finally {
            timer.cancel();
        }
    }

    @Test
    void objectCapturedByARunningThreadsLambda_pathNamesTheThreadAndTheCapture() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LeakScope scope = detector.open("captured")) {
            Thread holder = startThreadCapturingWatchedSession(scope, release);
            LeakReport report = scope.check();
            release.countDown();
            holder.join(10_000);

            RetentionPath path = report.retained().get(0).retentionPath().orElseThrow();
            assertThat(path.gcRoot()).isEqualTo("thread \"session-holder\"");
            assertThat(path.hops().get(path.hops().size() - 1).name())
                    .isEqualTo("dev.steadfast.leak.RetainedObjectsTest$$Lambda.arg$2");
        } finally {
            release.countDown();
        }
    }

    @Test
    void releasedObject_isNotReported() {
        try (LeakScope scope = detector.open("released")) {
            registerAtIndex3AndWatch(scope);
            REGISTRY.clear();

            assertThat(scope.check().retained()).isEmpty();
        }
    }

    @Test
    void keepHeapDumps_keepsTheDumpAndNamesIt(@TempDir Path dumps) {
        LeakDetector keeping = LeakDetector.from(detector).keepHeapDumps(dumps).build();
        try (LeakScope scope = keeping.open("kept dump")) {
            registerAtIndex3AndWatch(scope);
            RetainedObject leak = scope.check().retained().get(0);

            Path dump = leak.heapDump().orElseThrow();
            assertThat(dump).exists().hasParent(dumps);
            assertThat(dump.getFileName().toString()).startsWith("steadfast-leak-kept_dump-").endsWith(".hprof");
        }
    }

    @Test
    void heapDump_isDeletedByDefault() throws IOException {
        String scopeName = "deleted-dump-" + System.nanoTime();
        try (LeakScope scope = detector.open(scopeName)) {
            registerAtIndex3AndWatch(scope);
            RetainedObject leak = scope.check().retained().get(0);

            assertThat(leak.retentionPath()).isPresent();
            assertThat(leak.heapDump()).isEmpty();
        }
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .noneMatch(file -> file.contains(scopeName));
        }
    }

    @Test
    void retentionPathsOff_reportsTheObjectWithoutPath() {
        LeakDetector noPaths = LeakDetector.from(detector).retentionPaths(false).build();
        try (LeakScope scope = noPaths.open("no paths")) {
            registerAtIndex3AndWatch(scope);
            LeakReport report = scope.check();

            assertThat(report.retained()).hasSize(1);
            assertThat(report.retained().get(0).retentionPath()).isEmpty();
            assertThat(report.warnings()).isEmpty();
        }
    }

    @Test
    void watch_blankDescription_isRejected() {
        try (LeakScope scope = detector.open("blank")) {
            assertThatThrownBy(() -> scope.watch(new Object(), " "))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("description must not be blank: say what the watched java.lang.Object is, "
                            + "e.g. \"session after logout\"");
        }
    }

    @Test
    void watch_afterClose_isRejected() {
        LeakScope scope = detector.open("closed");
        scope.close();

        assertThatThrownBy(() -> scope.watch(new Object(), "late"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("leak scope \"closed\" is closed; open a new one with LeakDetector.open(...)");
    }

    @Test
    void watchedButRetainedCheckOff_saysSoInWarnings() {
        LeakDetector threadsOnly = LeakDetector.builder().checks(EnumSet.of(LeakCheck.THREADS)).build();
        try (LeakScope scope = threadsOnly.open("not checked")) {
            registerAtIndex3AndWatch(scope);
            LeakReport report = scope.check();

            assertThat(report.retained()).isEmpty();
            assertThat(report.warnings()).containsExactly(
                    "1 object was watched but RETAINED_OBJECTS is not among the checks [THREADS], so it was not checked");
        }
    }

    // The fixtures below keep watched objects out of the test method's frame: a local variable is a GC root.

    private static void registerAtIndex3AndWatch(LeakWatcher watcher) {
        REGISTRY.add("a");
        REGISTRY.add("b");
        REGISTRY.add("c");
        Listener listener = new Listener();
        REGISTRY.add(listener);
        watcher.watch(listener, "listener after unsubscribe");
    }

    private static void registerWeaklyAndWatch(LeakWatcher watcher) {
        Listener listener = new Listener();
        WEAK_REGISTRY.put(listener, Boolean.TRUE);
        WEAK_LISTENERS.add(new WeakReference<>(listener));
        watcher.watch(listener, "weakly registered listener");
    }

    private static void cacheSoftlyAndWatch(LeakWatcher watcher) {
        Listener listener = new Listener();
        SOFT_CACHE.add(new SoftReference<>(listener));
        watcher.watch(listener, "softly cached listener");
    }

    private static void openAndCloseScreen(LeakWatcher watcher) {
        Screen screen = new Screen();
        screen.open();
        watcher.watch(screen, "closed screen");
    }

    private static Session watchedSession(LeakWatcher watcher) {
        Session session = new Session();
        watcher.watch(session, "session on pool thread");
        return session;
    }

    private static void registerSessionWithOwnerAndWatchBoth(LeakWatcher watcher) {
        Session session = new Session();
        session.owner = new User();
        REGISTRY.add(session);
        watcher.watch(session, "session");
        watcher.watch(session.owner, "user");
    }

    private static void scheduleWatchedTask(Timer timer, LeakWatcher watcher) {
        ReminderTask task = new ReminderTask(new Session());
        timer.schedule(task, TimeUnit.HOURS.toMillis(1));
        watcher.watch(task.session, "session of a scheduled reminder");
    }

    private static Thread startThreadCapturingWatchedSession(LeakWatcher watcher, CountDownLatch release) {
        Session session = new Session();
        watcher.watch(session, "session captured by a thread");
        Thread thread = new Thread(() -> awaitQuietly(release, session), "session-holder");
        thread.start();
        return thread;
    }

    private static void awaitQuietly(CountDownLatch latch, Object keptAlive) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Objects.requireNonNull(keptAlive);
    }

    static final class ReminderTask extends TimerTask {
        final Session session;

        ReminderTask(Session session) {
            this.session = session;
        }

        @Override
        public void run() {
        }
    }

    static final class User {
    }

    static final class Listener {
    }

    static final class Session {
        User owner;
    }

    static final class EventBus {
        static final List<Runnable> LISTENERS = new ArrayList<>();
    }

    static final class Screen {
        private int refreshes;

        void open() {
            // The classic: an anonymous listener registered and never removed keeps its enclosing Screen alive.
            EventBus.LISTENERS.add(new Runnable() {
                @Override
                public void run() {
                    refreshes++;
                }
            });
        }
    }
}
