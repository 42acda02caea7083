package dev.steadfast.junit.corpus;

import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Stands for a library (outside the tests that use it) with the two JVM-wide singleton shapes real libraries have: a
 * daemon {@link Timer} made by a static holder class when first needed, and a static daemon scheduler whose thread
 * its executor starts on the first task. Neither can be stopped, neither is any test's to stop. It also hands out
 * a daemon thread factory and fresh schedulers: a test that builds its own executor from them and never shuts it
 * down leaks, although the threads look the same.
 */
public final class SharedScheduler {

    static final ThreadFactory DAEMON_FACTORY = task -> {
        Thread thread = new Thread(task, "corpus-shared-worker");
        thread.setDaemon(true);
        return thread;
    };

    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "corpus-shared-scheduler");
        thread.setDaemon(true);
        return thread;
    });

    private SharedScheduler() {
    }

    /** Runs {@code task} on the JVM-wide timer, created (with its thread) when first needed. */
    public static void onTimer(Runnable task) {
        Holder.TIMER.schedule(new TimerTask() {
            @Override
            public void run() {
                task.run();
            }
        }, 0);
    }

    /** Runs {@code task} on the JVM-wide scheduler, whose thread starts with the first task. */
    public static void onScheduler(Runnable task) {
        SCHEDULER.schedule(task, 0, TimeUnit.MILLISECONDS);
    }

    /** Whether {@code thread} is one of the two singletons' threads, for fixtures that verify where a task ran. */
    static boolean isSingletonThread(Thread thread) {
        return thread.getName().equals("corpus-shared-timer") || thread.getName().equals("corpus-shared-scheduler");
    }

    private static final class Holder {
        static final Timer TIMER = new Timer("corpus-shared-timer", true);
    }
}
