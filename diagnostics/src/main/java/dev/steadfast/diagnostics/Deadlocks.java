package dev.steadfast.diagnostics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Objects;
import javax.management.MBeanServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds threads that wait for each other forever, including the kind the JVM's own detector
 * ({@code ThreadMXBean.findDeadlockedThreads}) misses: class-initialization deadlocks, where two static initializers
 * need each other's class, and cycles mixing class initialization with locks.
 *
 * <pre>{@code
 * List<Deadlock> deadlocks = Deadlocks.find();
 * for (Deadlock deadlock : deadlocks) {
 *     log.error("{}: {}\n{}", deadlock.kind(), deadlock.cycle(), deadlock);
 * }
 * // or, with the warnings and every class-initialization wait:
 * DeadlockReport report = Deadlocks.analyze();
 * }</pre>
 *
 * <p>Class-initialization waits are read from the in-process thread dump of the
 * {@code com.sun.management:type=DiagnosticCommand} MBean ({@code Thread.print}). On a JVM without it the analysis
 * still reports monitor and lock deadlocks and says, in {@link DeadlockReport#warnings()}, that class-initialization
 * deadlocks could not be checked. Each call pauses the JVM briefly (one or two safepoints for the dumps), so call it
 * when something looks stuck, not on a hot path.
 */
public final class Deadlocks {

    private Deadlocks() {
    }

    /**
     * Only {@link #find()} and {@link #classInitializationWaits()} log: held apart so that {@link #analyze()} also
     * works where SLF4J is not on the class path (steadfast-junit brings none into users' suites).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Deadlocks.class);
    }

    /**
     * Analyzes all threads of this JVM now.
     *
     * @return deadlocks, class-initialization waits, the thread dump used, and warnings about what could not be checked
     */
    public static DeadlockReport analyze() {
        try {
            return analyze(ManagementFactory.getPlatformMBeanServer());
        } catch (IOException e) {
            throw new UncheckedIOException("the platform MBean server has no connection to lose", e);
        }
    }

    /**
     * Analyzes all threads of the JVM behind a JMX connection, with the same analysis as {@link #analyze()}: another
     * process reached through its local management agent (what {@code steadfast doctor hang} does) or a remote one.
     *
     * <pre>{@code
     * try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
     *     DeadlockReport report = Deadlocks.analyze(connector.getMBeanServerConnection());
     * }
     * }</pre>
     *
     * @param connection a connection to a JVM's MBean server (this JVM's platform server is accepted too); not null
     * @return deadlocks, class-initialization waits, the thread dump used, and warnings about what could not be checked
     * @throws IOException if the connection fails (the JVM ended, say)
     */
    public static DeadlockReport analyze(MBeanServerConnection connection) throws IOException {
        Objects.requireNonNull(connection, "connection");
        return new DeadlockDetector(connection, JmxCalls.threadMXBean(connection)).analyze();
    }

    /**
     * Finds deadlocks on monitors, ownable synchronizers and class initialization. Warnings (for example, that class
     * initialization could not be checked) are logged at WARN; use {@link #analyze()} to get them as values.
     *
     * @return the deadlocks, ordered by the lowest thread id of each; empty when there is none
     */
    public static List<Deadlock> find() {
        DeadlockReport report = analyze();
        for (String warning : report.warnings()) {
            Log.LOG.warn("Deadlock detection incomplete: {}", warning);
        }
        return report.deadlocks();
    }

    /**
     * Lists every thread waiting for another thread to finish initializing a class, in a deadlock or not (a static
     * initializer blocked on I/O makes every thread touching that class wait). Warnings are logged as in
     * {@link #find()}.
     *
     * @return the waits, ordered by waiting thread id and class name; empty also when they cannot be read
     */
    public static List<ClassInitializationWait> classInitializationWaits() {
        DeadlockReport report = analyze();
        for (String warning : report.warnings()) {
            Log.LOG.warn("Class-initialization waits incomplete: {}", warning);
        }
        return report.classInitializationWaits();
    }
}
