package dev.steadfast.diagnostics;

import static dev.steadfast.diagnostics.LockDeadlockTest.awaitDeadlockOf;
import static dev.steadfast.diagnostics.LockDeadlockTest.involving;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.steadfast.diagnostics.fixtures.CycleA;
import dev.steadfast.diagnostics.fixtures.CycleB;
import dev.steadfast.diagnostics.fixtures.FixtureHook;
import dev.steadfast.diagnostics.fixtures.MixedHolder;
import dev.steadfast.diagnostics.fixtures.MixedInit;
import dev.steadfast.diagnostics.fixtures.SequentialA;
import dev.steadfast.diagnostics.fixtures.SequentialB;
import dev.steadfast.diagnostics.fixtures.SlowInit;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * Real class-initialization deadlocks, which the JVM's own detector does not report.
 *
 * <p>The deadlocked threads can never be freed: a thread waiting for another thread's static initializer does not
 * respond to interrupts, and the initializers wait for each other. The fixture classes are therefore defined by a
 * throwaway {@link IsolatedClassLoader} per test (the poisoned classes never reach the test class loader), and the
 * stuck threads are named daemons that end with the JVM. Each test looks only at its own, uniquely named threads.
 */
class ClassInitializationDeadlockTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String CYCLE_A = CycleA.class.getName();
    private static final String CYCLE_B = CycleB.class.getName();

    @Test
    void twoStaticInitializersNeedingEachOther_areFoundAsClassInitializationDeadlock() throws Exception {
        Thread[] pair = startCycle(new TestThreads("clinit-cycle"), "cycle");
        Thread a = pair[0];
        Thread b = pair[1];

        Deadlock deadlock = awaitDeadlockOf(a);

        assertThat(deadlock.kind()).isEqualTo(Deadlock.Kind.CLASS_INITIALIZATION);
        assertThat(deadlock.threadNames()).containsExactly(a.getName(), b.getName());
        assertThat(deadlock.cycle())
                .isEqualTo("\"" + a.getName() + "\" -> \"" + b.getName() + "\" -> \"" + a.getName() + "\"");
        assertThat(deadlock.toString())
                .startsWith("CLASS_INITIALIZATION deadlock: \"" + a.getName() + "\" #" + a.getId())
                .contains("\"" + a.getName() + "\" #" + a.getId() + " initializes " + CYCLE_A + ", waits for class "
                        + CYCLE_B + " initialized by \"" + b.getName() + "\" #" + b.getId())
                .contains("\"" + b.getName() + "\" #" + b.getId() + " initializes " + CYCLE_B + ", waits for class "
                        + CYCLE_A + " initialized by \"" + a.getName() + "\" #" + a.getId())
                .contains("unusable for the life of their class loader");
    }

    @Test
    void classInitializationDeadlock_stacksShowTheWaitLikeJstack() throws Exception {
        Thread a = startCycle(new TestThreads("clinit-stack"), "stack")[0];

        Deadlock deadlock = awaitDeadlockOf(a);

        ThreadSnapshot first = deadlock.participants().get(0).thread();
        assertThat(first.awaitedClassInitialization()).hasValue(CYCLE_B);
        assertThat(first.toString()).contains("\tat stack//" + CYCLE_A + ".<clinit>(CycleA.java:")
                .contains(")\n\t- waiting on the Class initialization monitor for " + CYCLE_B + "\n");
    }

    @Test
    void classInitializationDeadlock_isInvisibleToTheJvmDetector() throws Exception {
        Thread a = startCycle(new TestThreads("clinit-jvm"), "jvm")[0];

        awaitDeadlockOf(a);
        long[] jvmFound = ManagementFactory.getThreadMXBean().findDeadlockedThreads();

        // Why this module parses Thread.print: the JVM's own answer does not contain these threads.
        assertThat(jvmFound == null ? new long[0] : jvmFound).doesNotContain(a.getId());
    }

    @Test
    void sameClassesDeadlockedInTwoLoaders_areTwoDeadlocksEachWithItsOwnThreads() throws Exception {
        TestThreads threads = new TestThreads("clinit-twice");
        Thread[] firstPair = startCycle(threads, "first");
        Thread[] secondPair = startCycle(threads, "second");

        Deadlock first = awaitDeadlockOf(firstPair[0]);
        Deadlock second = awaitDeadlockOf(secondPair[0]);

        assertThat(first.threadIds()).containsExactly(firstPair[0].getId(), firstPair[1].getId());
        assertThat(second.threadIds()).containsExactly(secondPair[0].getId(), secondPair[1].getId());
    }

    /** Deadlocks CycleA and CycleB of a new loader named {@code loaderName}; returns the threads a and b. */
    private static Thread[] startCycle(TestThreads threads, String loaderName) {
        IsolatedClassLoader loader = new IsolatedClassLoader(loaderName, Set.of(CYCLE_A, CYCLE_B));
        CyclicBarrier bothInsideClinit = new CyclicBarrier(2);
        Thread a = threads.startUnstoppable(loaderName + "-a", () -> FixtureHook.runWith(
                () -> TestThreads.await(bothInsideClinit), () -> loader.initialize(CYCLE_A)));
        Thread b = threads.startUnstoppable(loaderName + "-b", () -> FixtureHook.runWith(
                () -> TestThreads.await(bothInsideClinit), () -> loader.initialize(CYCLE_B)));
        return new Thread[] {a, b};
    }

    @Test
    void classInitializationWaitingOnMonitorHeldByWaiter_isFoundAsMixed() throws Exception {
        String holderClass = MixedHolder.class.getName();
        String initClass = MixedInit.class.getName();
        IsolatedClassLoader loader = new IsolatedClassLoader("clinit-mixed", Set.of(holderClass, initClass));
        CyclicBarrier bothReady = new CyclicBarrier(2);
        TestThreads threads = new TestThreads("clinit-mixed");
        Thread holder = threads.startUnstoppable("holder", () -> FixtureHook.runWith(
                () -> TestThreads.await(bothReady), () -> invokeStatic(loader, holderClass, "lockThenInitialize")));
        Thread initializer = threads.startUnstoppable("initializer", () -> FixtureHook.runWith(
                () -> TestThreads.await(bothReady), () -> loader.initialize(initClass)));

        Deadlock deadlock = awaitDeadlockOf(holder);

        assertThat(deadlock.kind()).isEqualTo(Deadlock.Kind.MIXED);
        assertThat(deadlock.threadNames()).containsExactly(holder.getName(), initializer.getName());
        assertThat(deadlock.participants()).extracting(Deadlock.Participant::waitsOn)
                .containsExactly(Deadlock.Kind.CLASS_INITIALIZATION, Deadlock.Kind.MONITOR);
        assertThat(deadlock.participants().get(1).waitsFor()).startsWith("lock <0x").endsWith("(a java.lang.Class)");
        assertThat(deadlock.participants().get(1).holds()).isEqualTo("initializes " + initClass);
    }

    @Test
    void staticInitializerBlockedWithoutCycle_isReportedAsWaitButNotDeadlock() throws Exception {
        String slow = SlowInit.class.getName();
        IsolatedClassLoader loader = new IsolatedClassLoader("clinit-slow", Set.of(slow));
        CountDownLatch insideClinit = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("clinit-slow")) {
            Thread owner = threads.start("owner", () -> FixtureHook.runWith(() -> {
                insideClinit.countDown();
                TestThreads.await(release);
            }, () -> loader.initialize(slow)));
            TestThreads.await(insideClinit);
            Thread waiter = threads.start("waiter", () -> loader.initialize(slow));

            ClassInitializationWait wait = await().atMost(PATIENCE)
                    .until(() -> waitOf(Deadlocks.classInitializationWaits(), waiter), Optional::isPresent)
                    .orElseThrow();
            DeadlockReport report = Deadlocks.analyze();

            assertThat(wait).isEqualTo(new ClassInitializationWait(waiter.getId(), waiter.getName(), slow,
                    OptionalLong.of(owner.getId()), Optional.of(owner.getName())));
            assertThat(wait).hasToString("\"" + waiter.getName() + "\" #" + waiter.getId() + " waits for class " + slow
                    + " to be initialized by \"" + owner.getName() + "\" #" + owner.getId());
            assertThat(involving(report.deadlocks(), waiter)).isEmpty();
            assertThat(involving(report.deadlocks(), owner)).isEmpty();
            release.countDown();
            owner.join(PATIENCE.toMillis());
            waiter.join(PATIENCE.toMillis());
            assertThat(waitOf(Deadlocks.classInitializationWaits(), waiter)).isEmpty();
        }
    }

    @Test
    void staticInitializersNeedingEachOtherOnOneThread_reportNothing() throws Exception {
        String first = SequentialA.class.getName();
        String second = SequentialB.class.getName();
        IsolatedClassLoader loader = new IsolatedClassLoader("clinit-sequential", Set.of(first, second));
        CountDownLatch insideBoth = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("clinit-sequential")) {
            Thread initializer = threads.start("initializer", () -> FixtureHook.runWith(() -> {
                insideBoth.countDown();
                TestThreads.await(release);
            }, () -> loader.initialize(first)));
            TestThreads.await(insideBoth);

            DeadlockReport whileInsideBoth = Deadlocks.analyze();
            release.countDown();
            initializer.join(PATIENCE.toMillis());
            Thread later = threads.start("later", () -> loader.initialize(second));
            later.join(PATIENCE.toMillis());

            ThreadSnapshot inside = whileInsideBoth.threadDump().find(initializer.getId()).orElseThrow();
            assertThat(inside.classesBeingInitialized()).containsExactly(second, first);
            assertThat(inside.awaitedClassInitialization()).isEmpty();
            assertThat(involving(whileInsideBoth.deadlocks(), initializer)).isEmpty();
            assertThat(whileInsideBoth.classInitializationWaits())
                    .noneMatch(w -> w.className().equals(first) || w.className().equals(second));
            assertThat(later.isAlive()).isFalse();
        }
    }

    @Test
    void classInitializationWait_ownerIdWithoutName_isRejected() {
        assertThatThrownBy(() -> new ClassInitializationWait(1, "w", "x.Y", OptionalLong.of(2), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ownerThreadId and ownerThreadName must be both present or both empty:"
                        + " OptionalLong[2], Optional.empty");
    }

    private static Optional<ClassInitializationWait> waitOf(List<ClassInitializationWait> waits, Thread waiter) {
        return waits.stream().filter(w -> w.waiterThreadId() == waiter.getId()).findFirst();
    }

    private static void invokeStatic(ClassLoader loader, String className, String method) {
        try {
            Class.forName(className, true, loader).getMethod(method).invoke(null);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
            throw new IllegalStateException(cause);
        }
    }
}
