package dev.steadfast.bench.doctor;

import java.util.concurrent.CountDownLatch;

/**
 * Benchmark target with a hang: argument {@code monitor} makes two threads deadlock on two monitors;
 * {@code class-init} makes two threads each initialize a class whose static initializer needs the other's. Around
 * it, 200 idle pool threads, as in a real service. Prints READY once the hang has formed.
 *
 * <pre>{@code
 * java -cp bench.jar dev.steadfast.bench.doctor.HangServiceMain class-init
 * }</pre>
 */
public final class HangServiceMain {

    static final CountDownLatch BOTH = new CountDownLatch(2);
    private static final Object FIRST = new Object();
    private static final Object SECOND = new Object();

    private HangServiceMain() {
    }

    /** Needs {@link Second} while being initialized. */
    static final class First {
        static final int VALUE;

        static {
            BOTH.countDown();
            await(BOTH);
            VALUE = Second.VALUE;
        }
    }

    /** Needs {@link First} while being initialized. */
    static final class Second {
        static final int VALUE;

        static {
            BOTH.countDown();
            await(BOTH);
            VALUE = First.VALUE;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        java.util.concurrent.ExecutorService idle = java.util.concurrent.Executors.newFixedThreadPool(200);
        for (int i = 0; i < 200; i++) {
            idle.execute(() -> { });
        }
        Thread a;
        Thread b;
        if (args[0].equals("monitor")) {
            a = new Thread(() -> lockBoth(FIRST, SECOND), "mon-a");
            b = new Thread(() -> lockBoth(SECOND, FIRST), "mon-b");
        } else {
            a = new Thread(() -> System.out.println(First.VALUE), "init-a");
            b = new Thread(() -> System.out.println(Second.VALUE), "init-b");
        }
        a.start();
        b.start();
        await(BOTH);
        Thread.sleep(500);
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }

    private static void lockBoth(Object first, Object second) {
        synchronized (first) {
            BOTH.countDown();
            await(BOTH);
            synchronized (second) {
                System.out.println("unreachable");
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
