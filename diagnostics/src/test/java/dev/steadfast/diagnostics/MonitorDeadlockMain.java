package dev.steadfast.diagnostics;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * Child-JVM program for {@link MonitorDeadlockTest}: makes a real {@code synchronized} deadlock between two named
 * daemon threads, prints what {@link Deadlocks#find()} reports, and exits. A monitor deadlock cannot be broken from
 * inside the JVM, so it runs in its own JVM, which takes the stuck threads with it when it exits.
 */
public final class MonitorDeadlockMain {

    static final String FIRST = "monitor-first";
    static final String SECOND = "monitor-second";

    private MonitorDeadlockMain() {
    }

    public static void main(String[] args) {
        Object left = new Object();
        Object right = new Object();
        CyclicBarrier bothHoldOne = new CyclicBarrier(2);
        Thread first = start(FIRST, () -> {
            synchronized (left) {
                TestThreads.await(bothHoldOne);
                synchronized (right) {
                    right.hashCode();
                }
            }
        });
        start(SECOND, () -> {
            synchronized (right) {
                TestThreads.await(bothHoldOne);
                synchronized (left) {
                    left.hashCode();
                }
            }
        });
        List<Deadlock> deadlocks = await().atMost(Duration.ofSeconds(30)).until(Deadlocks::find, d -> !d.isEmpty());
        Deadlock deadlock = deadlocks.get(0);
        System.out.println("count=" + deadlocks.size());
        System.out.println("kind=" + deadlock.kind());
        System.out.println("ids=" + deadlock.threadIds() + " first=" + first.getId());
        System.out.println("cycle=" + deadlock.cycle());
        System.out.println("left=" + LockIdentity.of(left) + " right=" + LockIdentity.of(right));
        System.out.println("report:");
        System.out.println(deadlock);
        System.out.flush();
        System.exit(0);
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
