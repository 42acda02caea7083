package dev.steadfast.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class ThreadDumpTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void toString_showsHeldMonitorAndWaiterOwnedBy() throws Exception {
        Object lock = new Object();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("dump-monitor")) {
            Thread holder = threads.start("holder", () -> {
                synchronized (lock) {
                    held.countDown();
                    TestThreads.await(release);
                }
            });
            TestThreads.await(held);
            Thread waiter = threads.start("waiter", () -> {
                synchronized (lock) {
                    lock.hashCode();
                }
            });
            await().atMost(PATIENCE).until(() -> waiter.getState() == Thread.State.BLOCKED);

            String text = ThreadDump.capture().toString();
            String identity = LockIdentity.of(lock).toString();

            assertThat(block(text, holder)).contains("\t- locked " + identity);
            assertThat(block(text, waiter))
                    .contains("\t- waiting to lock " + identity + " owned by \"" + holder.getName() + "\" #"
                            + holder.getId())
                    .contains("BLOCKED (on object monitor)");
            release.countDown();
        }
    }

    @Test
    void toString_listsHeldReentrantLockUnderLockedOwnableSynchronizers() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("dump-sync")) {
            Thread holder = threads.start("holder", () -> {
                lock.lock();
                try {
                    held.countDown();
                    TestThreads.await(release);
                } finally {
                    lock.unlock();
                }
            });
            TestThreads.await(held);
            Thread waiter = threads.start("waiter", () -> {
                lock.lock();
                lock.unlock();
            });
            await().atMost(PATIENCE).until(() -> lock.hasQueuedThread(waiter)
                    && waiter.getState() == Thread.State.WAITING);

            ThreadDump dump = ThreadDump.capture();
            ThreadSnapshot waiting = dump.find(waiter.getId()).orElseThrow();
            LockIdentity sync = waiting.lock().orElseThrow();

            assertThat(dump.find(holder.getId()).orElseThrow().lockedSynchronizers()).containsExactly(sync);
            assertThat(block(dump.toString(), holder))
                    .contains("   Locked ownable synchronizers:\n\t- " + sync);
            assertThat(block(dump.toString(), waiter))
                    .contains("\t- parking to wait for " + sync + " owned by \"" + holder.getName() + "\"");
            release.countDown();
        }
    }

    @Test
    void capture_listsEveryLiveThreadOrderedById() {
        ThreadDump dump = ThreadDump.capture();

        List<ThreadSnapshot> threads = dump.threads();
        assertThat(threads).extracting(ThreadSnapshot::id).isSorted().doesNotHaveDuplicates();
        assertThat(dump.find(Thread.currentThread().getId())).get()
                .extracting(ThreadSnapshot::name).isEqualTo(Thread.currentThread().getName());
        assertThat(dump.toString()).startsWith("Thread dump at " + dump.capturedAt() + " (" + threads.size()
                + " threads)\n");
    }

    @Test
    void find_unknownId_isEmpty() {
        assertThat(ThreadDump.capture().find(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void findByName_returnsThreadsWithThatName() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("dump-name")) {
            Thread thread = threads.start("named", () -> TestThreads.await(release));

            assertThat(ThreadDump.capture().findByName(thread.getName()))
                    .extracting(ThreadSnapshot::id).containsExactly(thread.getId());
            release.countDown();
        }
    }

    @Test
    void of_keepsCallerOrderOutOfItsThreadList() {
        ThreadSnapshot current = ThreadSnapshot.of(Thread.currentThread());
        ThreadDump dump = ThreadDump.of(Instant.EPOCH, List.of(current));

        assertThat(dump.threads()).containsExactly(current);
        assertThat(dump.capturedAt()).isEqualTo(Instant.EPOCH);
    }

    /** The jstack block of one thread: from its header line up to the next thread's header. */
    static String block(String dump, Thread thread) {
        String header = "\"" + thread.getName() + "\" #" + thread.getId() + " ";
        int start = dump.indexOf(header);
        assertThat(start).as("thread %s in dump:%n%s", header, dump).isNotNegative();
        int end = dump.indexOf("\n\"", start);
        return end < 0 ? dump.substring(start) : dump.substring(start, end + 1);
    }
}
