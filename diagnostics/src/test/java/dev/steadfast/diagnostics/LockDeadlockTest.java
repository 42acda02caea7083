package dev.steadfast.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.Test;

/**
 * Deadlocks on {@code java.util.concurrent} locks, built with {@code lockInterruptibly} so the test can break them by
 * interrupting its threads: nothing is left behind. (Pure monitor deadlocks cannot be broken: see
 * {@link MonitorDeadlockTest}.)
 */
class LockDeadlockTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void reentrantLockDeadlock_isFoundAsSynchronizerWithBothThreadsAndCycle() throws Exception {
        try (TestThreads threads = new TestThreads("rl")) {
            Thread[] pair = startSynchronizerDeadlock(threads);
            Thread a = pair[0];
            Thread b = pair[1];

            Deadlock deadlock = awaitDeadlockOf(a);

            assertThat(deadlock.kind()).isEqualTo(Deadlock.Kind.SYNCHRONIZER);
            assertThat(deadlock.threadNames()).containsExactly(a.getName(), b.getName());
            assertThat(deadlock.threadIds()).containsExactly(a.getId(), b.getId());
            assertThat(deadlock.cycle())
                    .isEqualTo("\"" + a.getName() + "\" -> \"" + b.getName() + "\" -> \"" + a.getName() + "\"");
            assertThat(deadlock.toString())
                    .startsWith("SYNCHRONIZER deadlock: \"" + a.getName() + "\" #" + a.getId())
                    .contains("\"" + a.getName() + "\" #" + a.getId() + " holds lock <0x")
                    .contains("waits for lock <0x")
                    .contains("held by \"" + b.getName() + "\" #" + b.getId());
        }
    }

    @Test
    void threadWaitingForADeadlockedLock_isBlockedBehindButNotInTheCycle() throws Exception {
        try (TestThreads threads = new TestThreads("rl-behind")) {
            ReentrantLock first = new ReentrantLock();
            ReentrantLock second = new ReentrantLock();
            CyclicBarrier bothHoldOne = new CyclicBarrier(2);
            Thread a = threads.start("a", () -> lockBoth(first, bothHoldOne, second));
            Thread b = threads.start("b", () -> lockBoth(second, bothHoldOne, first));
            awaitDeadlockOf(a);
            Thread late = threads.start("late", () -> {
                if (lockInterruptibly(second)) {
                    second.unlock();
                }
            });

            DeadlockReport report = await().atMost(PATIENCE).until(Deadlocks::analyze,
                    r -> r.deadlockBlocking(late.getId()).isPresent());
            Deadlock deadlock = report.deadlockBlocking(late.getId()).orElseThrow();

            assertThat(deadlock.threadIds()).containsExactly(a.getId(), b.getId());
            assertThat(deadlock.blockedBehind()).extracting(p -> p.thread().id()).containsExactly(late.getId());
            assertThat(deadlock.toString()).contains("\"" + late.getName() + "\" #" + late.getId()
                    + " is blocked behind this deadlock: waits for lock <0x");
            assertThat(report.deadlockBlocking(Thread.currentThread().getId())).isEmpty();
        }
    }

    @Test
    void deadlockCycle_startsAtLowestThreadIdWhicheverThreadLockedFirst() throws Exception {
        try (TestThreads threads = new TestThreads("rl-order")) {
            ReentrantLock first = new ReentrantLock();
            ReentrantLock second = new ReentrantLock();
            CyclicBarrier bothHoldOne = new CyclicBarrier(2);
            CountDownLatch lowHolds = new CountDownLatch(1);
            CountDownLatch lowStart = new CountDownLatch(1);
            // Created (and so numbered) first, but starts locking last.
            Thread low = threads.start("low", () -> {
                TestThreads.await(lowStart);
                lowHolds.countDown();
                lockBoth(second, bothHoldOne, first);
            });
            Thread high = threads.start("high", () -> {
                lowStart.countDown();
                TestThreads.await(lowHolds);
                lockBoth(first, bothHoldOne, second);
            });

            Deadlock deadlock = awaitDeadlockOf(high);

            assertThat(low.getId()).isLessThan(high.getId());
            assertThat(deadlock.threadIds()).containsExactly(low.getId(), high.getId());
        }
    }

    @Test
    void monitorAndLockCycle_isFoundAsMixed() throws Exception {
        try (TestThreads threads = new TestThreads("mixed-lock")) {
            Object monitor = new Object();
            ReentrantLock lock = new ReentrantLock();
            CyclicBarrier bothHoldOne = new CyclicBarrier(2);
            Thread monitorHolder = threads.start("monitor-holder", () -> {
                synchronized (monitor) {
                    TestThreads.await(bothHoldOne);
                    if (lockInterruptibly(lock)) {
                        lock.unlock();
                    }
                }
            });
            Thread lockHolder = threads.start("lock-holder", () -> {
                lock.lock();
                try {
                    TestThreads.await(bothHoldOne);
                    synchronized (monitor) {
                        monitor.hashCode();
                    }
                } finally {
                    lock.unlock();
                }
            });

            Deadlock deadlock = awaitDeadlockOf(monitorHolder);

            assertThat(deadlock.kind()).isEqualTo(Deadlock.Kind.MIXED);
            assertThat(deadlock.participants()).extracting(Deadlock.Participant::waitsOn)
                    .containsExactly(Deadlock.Kind.SYNCHRONIZER, Deadlock.Kind.MONITOR);
            assertThat(deadlock.participants().get(0).holds()).isEqualTo("holds lock " + LockIdentity.of(monitor));
            assertThat(deadlock.threadNames()).containsExactly(monitorHolder.getName(), lockHolder.getName());
        }
    }

    @Test
    void locksTakenInSameOrder_underContention_reportNoDeadlock() throws Exception {
        try (TestThreads threads = new TestThreads("same-order")) {
            ReentrantLock first = new ReentrantLock();
            Object second = new Object();
            CountDownLatch firstHoldsBoth = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Runnable inOrder = () -> {
                if (!lockInterruptibly(first)) {
                    return;
                }
                try {
                    synchronized (second) {
                        firstHoldsBoth.countDown();
                        TestThreads.await(release);
                    }
                } finally {
                    first.unlock();
                }
            };
            Thread a = threads.start("a", inOrder);
            TestThreads.await(firstHoldsBoth);
            Thread b = threads.start("b", inOrder);
            await().atMost(PATIENCE).until(() -> first.hasQueuedThread(b));

            DeadlockReport report = Deadlocks.analyze();

            assertThat(report.threadDump().find(b.getId()).orElseThrow().lockOwnerId()).hasValue(a.getId());
            assertThat(involving(report.deadlocks(), a)).isEmpty();
            assertThat(involving(report.deadlocks(), b)).isEmpty();
            release.countDown();
        }
    }

    @Test
    void withoutDiagnosticCommandMBean_lockDeadlockIsStillFoundAndClassInitGapIsWarned() throws Exception {
        try (TestThreads threads = new TestThreads("no-dcmd")) {
            Thread a = startSynchronizerDeadlock(threads)[0];
            // A fresh MBean server has none of the platform MBeans, like a JVM without jdk.management.
            DeadlockDetector detector = new DeadlockDetector(MBeanServerFactory.newMBeanServer(),
                    ManagementFactory.getThreadMXBean());

            DeadlockReport report = await().atMost(PATIENCE).until(detector::analyze,
                    r -> !involving(r.deadlocks(), a).isEmpty());

            assertThat(report.warnings()).singleElement().asString()
                    .startsWith("class-initialization deadlocks and waits are NOT detected: this JVM (")
                    .contains("has no MBean com.sun.management:type=DiagnosticCommand")
                    .contains("monitor and lock deadlocks are still detected");
            assertThat(report.classInitializationWaits()).isEmpty();
            assertThat(report.toString()).contains("Warnings:\n  class-initialization deadlocks and waits are NOT");
        }
    }

    @Test
    void analyze_overAConnectionToAnotherServer_findsTheLockDeadlockThroughMXBeanProxies() throws Exception {
        try (TestThreads threads = new TestThreads("connection")) {
            Thread a = startSynchronizerDeadlock(threads)[0];
            // Not the platform server itself: the analysis takes the path a remote JVM takes (MXBean proxies).
            MBeanServerConnection connection = forwardingTo(ManagementFactory.getPlatformMBeanServer());

            DeadlockReport report = await().atMost(PATIENCE).until(() -> Deadlocks.analyze(connection),
                    r -> !involving(r.deadlocks(), a).isEmpty());
            ThreadDump dump = ThreadDump.capture(connection);

            assertThat(involving(report.deadlocks(), a).orElseThrow().kind()).isEqualTo(Deadlock.Kind.SYNCHRONIZER);
            assertThat(report.warnings()).isEmpty();
            assertThat(dump.find(a.getId()).orElseThrow().lockOwnerId()).isPresent();
        }
    }

    private static MBeanServerConnection forwardingTo(MBeanServerConnection target) {
        return (MBeanServerConnection) java.lang.reflect.Proxy.newProxyInstance(
                LockDeadlockTest.class.getClassLoader(), new Class<?>[] {MBeanServerConnection.class},
                (proxy, method, args) -> {
                    try {
                        return method.invoke(target, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void analyze_withDiagnosticCommandMBean_hasNoWarnings() {
        assertThat(Deadlocks.analyze().warnings()).isEmpty();
    }

    /** Two threads, a and b, each holding one ReentrantLock and waiting (interruptibly) for the other's. */
    private static Thread[] startSynchronizerDeadlock(TestThreads threads) {
        ReentrantLock first = new ReentrantLock();
        ReentrantLock second = new ReentrantLock();
        CyclicBarrier bothHoldOne = new CyclicBarrier(2);
        Thread a = threads.start("a", () -> lockBoth(first, bothHoldOne, second));
        Thread b = threads.start("b", () -> lockBoth(second, bothHoldOne, first));
        return new Thread[] {a, b};
    }

    /** Locks {@code mine}, meets the other thread, then waits (interruptibly) for {@code theirs}. */
    private static void lockBoth(ReentrantLock mine, CyclicBarrier bothHoldOne, ReentrantLock theirs) {
        if (!lockInterruptibly(mine)) {
            return;
        }
        try {
            TestThreads.await(bothHoldOne);
            if (lockInterruptibly(theirs)) {
                theirs.unlock();
            }
        } finally {
            mine.unlock();
        }
    }

    /** @return false when interrupted: that is how the test breaks its deadlock at the end */
    private static boolean lockInterruptibly(ReentrantLock lock) {
        try {
            lock.lockInterruptibly();
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    static Deadlock awaitDeadlockOf(Thread thread) {
        return await().atMost(PATIENCE).until(() -> involving(Deadlocks.find(), thread), Optional::isPresent)
                .orElseThrow();
    }

    static Optional<Deadlock> involving(List<Deadlock> deadlocks, Thread thread) {
        return deadlocks.stream().filter(d -> d.threadIds().contains(thread.getId())).findFirst();
    }
}
