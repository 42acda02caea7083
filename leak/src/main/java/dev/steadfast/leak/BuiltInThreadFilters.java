package dev.steadfast.leak;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;

/** The filters behind {@link ThreadFilter#builtIn()}; kept apart so the interface stays readable. */
final class BuiltInThreadFilters {

    static final ThreadFilter JVM = ThreadFilter.nameStartsWith(
            "Reference Handler", "Finalizer", "Signal Dispatcher", "Attach Listener", "Common-Cleaner",
            "Notification Thread", "process reaper", "RMI ", "JMX ", "GC Daemon", "DestroyJavaVM",
            "Java2D Disposer", "AWT-", "Keep-Alive-Timer", "Keep-Alive-SocketCleaner", "InnocuousThread-",
            "Cleaner-", "JFR ", "JVMCI", "C1 CompilerThread", "C2 CompilerThread", "Sweeper thread",
            "Service Thread", "Monitor Deflation Thread", "Read-Poller", "Write-Poller", "VirtualThread-unparker")
            .or(BuiltInThreadFilters::isInInnocuousGroup);

    static final ThreadFilter TEST_TOOLS = ThreadFilter.nameStartsWith(
            "surefire-forkedjvm-", "junit-jupiter-timeout-watcher", "junit-timeout-", "awaitility-thread",
            "awaitility[", "Test worker", "Monitor Ctrl-Break")
            .or(BuiltInThreadFilters::isTestFrameworkThread);

    static final ThreadFilter COMMON_POOL = thread -> thread instanceof ForkJoinWorkerThread
            && ((ForkJoinWorkerThread) thread).getPool() == ForkJoinPool.commonPool();

    static final ThreadFilter ALL = JVM.or(TEST_TOOLS).or(COMMON_POOL);

    private BuiltInThreadFilters() {
    }

    /** The group is read once: a thread that ends meanwhile has none any more. */
    private static boolean isInInnocuousGroup(Thread thread) {
        ThreadGroup group = thread.getThreadGroup();
        return group != null && "InnocuousThreadGroup".equals(group.getName());
    }

    /**
     * JUnit's parallel executor runs tests on workers of its own thread class; Surefire and Gradle likewise. Matching
     * the class rather than the name survives renamed pools.
     */
    private static boolean isTestFrameworkThread(Thread thread) {
        String type = thread.getClass().getName();
        return type.startsWith("org.junit.") || type.startsWith("org.apache.maven.surefire.")
                || type.startsWith("org.gradle.");
    }
}
