package dev.steadfast.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

/** Named daemon threads for tests, with unique names so leftovers of another test cannot be mistaken for ours. */
final class TestThreads implements AutoCloseable {

    private static final long JOIN_MILLIS = 30_000;

    private final String prefix;
    private final List<Thread> started = new ArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    TestThreads(String prefix) {
        this.prefix = prefix + "-" + Long.toHexString(System.nanoTime()) + "-";
    }

    String name(String suffix) {
        return prefix + suffix;
    }

    Thread start(String suffix, Runnable body) {
        Thread thread = new Thread(body, name(suffix));
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> {
            if (!causedByInterrupt(e)) {
                failures.add(e);
            }
        });
        thread.start();
        started.add(thread);
        return thread;
    }

    /**
     * Starts a thread that will never end (it will be stuck in a class-initialization deadlock, which nothing can
     * break). It is a daemon, so it does not hold the JVM, and it is not joined by {@link #close()}.
     */
    Thread startUnstoppable(String suffix, Runnable body) {
        Thread thread = new Thread(body, name(suffix));
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Interrupts (that is how tests break their deadlocks) and joins every thread this helper started; fails if one
     * does not end or one died of something other than the interrupt.
     */
    @Override
    public void close() {
        for (Thread thread : started) {
            thread.interrupt();
        }
        for (Thread thread : started) {
            try {
                thread.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while joining " + thread.getName(), e);
            }
            if (thread.isAlive()) {
                throw new AssertionError("test thread did not end: " + ThreadSnapshot.of(thread));
            }
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("test thread failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(error::addSuppressed);
            throw error;
        }
    }

    private static boolean causedByInterrupt(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
