package dev.steadfast.leaktestlib;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/**
 * Stands for a third-party library (its own package, outside the tests) with JVM-wide singleton threads of every
 * shape {@code LibrarySingletonThreads} knows, and a thread factory that tests may misuse for executors of their own.
 * Every thread waits for {@link #release()}, so the tests end with none left running.
 */
public final class SingletonLibrary {

    private static final CountDownLatch RELEASE = new CountDownLatch(1);

    private static final ExecutorService POOL = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "library-pool");
        thread.setDaemon(true);
        return thread;
    });

    /** Daemon threads named {@code library-worker}, for executors the caller owns. */
    public static final ThreadFactory DAEMON_FACTORY = task -> {
        Thread thread = new Thread(task, "library-worker");
        thread.setDaemon(true);
        return thread;
    };

    private SingletonLibrary() {
    }

    /** Touches the holder whose static initialiser starts a daemon thread. */
    public static Thread daemonHolderThread() {
        return DaemonHolder.THREAD;
    }

    /** Touches a second holder like {@link #daemonHolderThread()}'s, for a test of its own. */
    public static Thread secondDaemonHolderThread() {
        return SecondDaemonHolder.THREAD;
    }

    /** Touches a second holder like {@link #nonDaemonHolderThread()}'s, for a test of its own. */
    public static Thread nonDaemonIgnoredHolderThread() {
        return SecondNonDaemonHolder.THREAD;
    }

    /** Touches the holder whose static initialiser starts a non-daemon thread. */
    public static Thread nonDaemonHolderThread() {
        return NonDaemonHolder.THREAD;
    }

    /** Runs a task on the library's static daemon pool, whose thread starts with the first task. */
    public static Future<?> onPool(Runnable task) {
        return POOL.submit(task);
    }

    /** Ends every thread the library started; for the tests' clean-up. */
    public static void release() {
        RELEASE.countDown();
        POOL.shutdownNow();
    }

    static Thread start(String name, boolean daemon) {
        Thread thread = new Thread(SingletonLibrary::awaitRelease, name);
        thread.setDaemon(daemon);
        thread.start();
        return thread;
    }

    static void awaitRelease() {
        try {
            RELEASE.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class DaemonHolder {
        static final Thread THREAD = start("library-holder-daemon", true);
    }

    private static final class SecondDaemonHolder {
        static final Thread THREAD = start("library-holder-second", true);
    }

    private static final class SecondNonDaemonHolder {
        static final Thread THREAD = start("library-holder-non-daemon-second", false);
    }

    private static final class NonDaemonHolder {
        static final Thread THREAD = start("library-holder-non-daemon", false);
    }

    /** Like Netty's {@code GlobalEventExecutor}: one instance, whose thread starts with its first use. */
    public static final class Engine {
        public static final Engine INSTANCE = new Engine();
        private Thread thread;

        private Engine() {
        }

        /** Starts the engine's (non-daemon) thread once. */
        public synchronized Thread start() {
            if (thread == null) {
                thread = SingletonLibrary.start("library-engine", false);
            }
            return thread;
        }
    }
}
