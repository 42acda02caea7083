package dev.steadfast.diagnostics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.management.MBeanServerConnection;

/**
 * All live platform threads of this JVM at one moment, with full stacks, the locks each holds and the lock each waits
 * for (and its owner). Immutable.
 *
 * <p>{@link #toString()} reads like {@code jstack -l}:
 * <pre>{@code
 * ThreadDump dump = ThreadDump.capture();
 * dump.find(worker.getId()).ifPresent(t -> System.out.println(t.state()));
 * System.out.println(dump);
 * // Thread dump at 2026-11-23T18:20:01.123Z (14 threads)
 * //
 * // "main" #1 prio=5 RUNNABLE
 * //     at ...
 * }</pre>
 *
 * <p>Threads are listed by ascending thread id, so two dumps of the same process line up. The capture is taken at one
 * JVM safepoint, so lock owners and waiters are consistent with each other. Virtual threads are not included (the JVM
 * does not report them through {@link ThreadMXBean}).
 */
public final class ThreadDump {

    private final Instant capturedAt;
    private final List<ThreadSnapshot> threads;

    private ThreadDump(Instant capturedAt, List<ThreadSnapshot> threads) {
        this.capturedAt = capturedAt;
        List<ThreadSnapshot> sorted = new ArrayList<>(threads);
        sorted.sort(Comparator.comparingLong(ThreadSnapshot::id));
        this.threads = List.copyOf(sorted);
    }

    /**
     * Captures every live platform thread, with locked monitors and ownable synchronizers where the JVM supports it.
     *
     * @return the dump
     */
    public static ThreadDump capture() {
        try {
            return from(ManagementFactory.getThreadMXBean());
        } catch (IOException e) {
            throw new UncheckedIOException("the platform thread MXBean has no connection to lose", e);
        }
    }

    /**
     * Captures every live platform thread of the JVM behind a JMX connection, the same way {@link #capture()} does
     * for this one. This is what {@code steadfast doctor hang} uses on another process.
     *
     * <pre>{@code
     * try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
     *     ThreadDump dump = ThreadDump.capture(connector.getMBeanServerConnection());
     * }
     * }</pre>
     *
     * @param connection a connection to a JVM's MBean server (this JVM's platform server is accepted too); not null
     * @return the dump
     * @throws IOException if the connection fails (the JVM ended, say)
     */
    public static ThreadDump capture(MBeanServerConnection connection) throws IOException {
        Objects.requireNonNull(connection, "connection");
        return from(JmxCalls.threadMXBean(connection));
    }

    static ThreadDump from(ThreadMXBean mx) throws IOException {
        ThreadInfo[] infos = JmxCalls.call(() -> mx.dumpAllThreads(mx.isObjectMonitorUsageSupported(),
                mx.isSynchronizerUsageSupported()));
        Instant now = Instant.now();
        List<ThreadSnapshot> snapshots = new ArrayList<>(infos.length);
        for (ThreadInfo info : infos) {
            if (info != null) {
                snapshots.add(ThreadSnapshot.from(info));
            }
        }
        return new ThreadDump(now, snapshots);
    }

    /**
     * A dump made of snapshots captured elsewhere (for example, filtered from another dump).
     *
     * @param capturedAt when the snapshots were taken; not null
     * @param threads    the snapshots; not null, no null elements
     * @return the dump, threads ordered by id
     */
    public static ThreadDump of(Instant capturedAt, List<ThreadSnapshot> threads) {
        Objects.requireNonNull(capturedAt, "capturedAt");
        Objects.requireNonNull(threads, "threads");
        return new ThreadDump(capturedAt, threads);
    }

    /** @return when the dump was taken */
    public Instant capturedAt() {
        return capturedAt;
    }

    /** @return all threads, ascending by id */
    public List<ThreadSnapshot> threads() {
        return threads;
    }

    /**
     * @param threadId a thread id
     * @return the snapshot of that thread, if it was alive at capture time
     */
    public Optional<ThreadSnapshot> find(long threadId) {
        for (ThreadSnapshot thread : threads) {
            if (thread.id() == threadId) {
                return Optional.of(thread);
            }
        }
        return Optional.empty();
    }

    /**
     * @param threadName an exact thread name
     * @return snapshots of the threads with that name (names need not be unique), ascending by id
     */
    public List<ThreadSnapshot> findByName(String threadName) {
        Objects.requireNonNull(threadName, "threadName");
        List<ThreadSnapshot> found = new ArrayList<>(1);
        for (ThreadSnapshot thread : threads) {
            if (thread.name().equals(threadName)) {
                found.add(thread);
            }
        }
        return List.copyOf(found);
    }

    /** @return a jstack-like text of all threads, separated by blank lines */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(threads.size() * 1024);
        out.append("Thread dump at ").append(capturedAt).append(" (").append(threads.size()).append(" threads)\n");
        for (ThreadSnapshot thread : threads) {
            out.append('\n');
            thread.appendTo(out);
        }
        return out.toString();
    }
}
