package dev.steadfast.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadSnapshotTest {

    @Test
    void header_namesThreadIdDaemonPriorityAndState() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("snapshot-header")) {
            Thread thread = threads.start("worker", () -> TestThreads.await(release));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> thread.getState() == Thread.State.TIMED_WAITING);

            ThreadSnapshot snapshot = ThreadSnapshot.of(thread);

            assertThat(snapshot.toString()).startsWith("\"" + thread.getName() + "\" #" + thread.getId()
                    + " daemon prio=5 TIMED_WAITING (parking)\n\tat ");
            assertThat(snapshot.daemon()).isTrue();
            assertThat(snapshot.state()).isEqualTo(Thread.State.TIMED_WAITING);
            release.countDown();
        }
    }

    @Test
    void stack_isCompleteNotTruncatedLikeThreadInfoToString() {
        ThreadSnapshot snapshot = recurse(40);

        assertThat(snapshot.stack()).filteredOn(f -> f.getMethodName().equals("recurse")).hasSizeGreaterThan(40);
        assertThat(snapshot.toString()).doesNotContain("...");
    }

    private static ThreadSnapshot recurse(int depth) {
        return depth == 0 ? ThreadSnapshot.of(Thread.currentThread()) : recurse(depth - 1);
    }

    @Test
    void of_heldMonitor_isListedWithTheFrameThatLockedIt() {
        Object lock = new Object();
        ThreadSnapshot snapshot;
        synchronized (lock) {
            snapshot = ThreadSnapshot.of(Thread.currentThread());
        }

        LockedMonitor held = snapshot.lockedMonitors().stream()
                .filter(m -> m.lock().equals(LockIdentity.of(lock))).findFirst().orElseThrow();
        assertThat(snapshot.stack().get(held.stackDepth()).getMethodName())
                .isEqualTo("of_heldMonitor_isListedWithTheFrameThatLockedIt");
    }

    @Test
    void of_endedThread_isTerminatedWithEmptyStack() throws Exception {
        Thread thread = new Thread(() -> { }, "snapshot-ended");
        thread.start();
        thread.join();

        ThreadSnapshot snapshot = ThreadSnapshot.of(thread);

        assertThat(snapshot.state()).isEqualTo(Thread.State.TERMINATED);
        assertThat(snapshot.name()).isEqualTo("snapshot-ended");
        assertThat(snapshot.stack()).isEmpty();
        assertThat(snapshot.lockOwnerId()).isEmpty();
    }

    @Test
    void ordinaryMethodOfAClass_isNotItsInitialization() {
        ThreadSnapshot snapshot = ThreadSnapshot.of(Thread.currentThread());

        assertThat(snapshot.isInitializing(ThreadSnapshotTest.class.getName())).isFalse();
        assertThat(snapshot.classesBeingInitialized()).isEmpty();
    }

    @Test
    void lockIdentity_toString_isJstackForm() {
        assertThat(new LockIdentity("java.lang.Object", 0x1b6d3586))
                .hasToString("<0x1b6d3586> (a java.lang.Object)")
                .extracting(LockIdentity::lockName).isEqualTo("java.lang.Object@1b6d3586");
    }

    @Test
    void lockedMonitor_depthBelowMinusOne_isRejected() {
        assertThatThrownBy(() -> new LockedMonitor(new LockIdentity("x.Y", 1), -2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stackDepth must be -1 (JNI) or a frame index: -2");
    }
}
