package dev.steadfast.diagnostics;

import dev.steadfast.diagnostics.ThreadPrintParser.TextThread;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.io.IOException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * Builds the wait-for graph of all threads (monitor and synchronizer waits from {@link ThreadMXBean}, class
 * initialization waits from the {@code Thread.print} diagnostic command) and reports its cycles. It reads both through
 * an {@link MBeanServerConnection}, so the same analysis runs on this JVM's platform MBean server and on another JVM
 * reached through JMX (the doctor).
 *
 * <p>Every thread waits for at most one thing, so the graph has at most one outgoing edge per thread and cycles are
 * found by following edges. Lock-only cycles are confirmed by the JVM's own detector; cycles with a class
 * initialization edge (which the JVM does not see) are confirmed by a second capture, because the text dump and the
 * MXBean dump are taken at different safepoints and a transient wait must not be reported as a deadlock.
 */
final class DeadlockDetector {

    static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";
    private static final String THREAD_PRINT = "threadPrint";

    private final MBeanServerConnection server;
    private final ThreadMXBean threads;

    /**
     * @param server  where the {@code DiagnosticCommand} MBean is invoked
     * @param threads the same JVM's thread MXBean (the platform one, or a proxy over {@code server})
     */
    DeadlockDetector(MBeanServerConnection server, ThreadMXBean threads) {
        this.server = Objects.requireNonNull(server, "server");
        this.threads = Objects.requireNonNull(threads, "threads");
    }

    /** One edge of the wait-for graph: {@code from} waits for something {@code to} holds. */
    private record Edge(long from, long to, Deadlock.Kind kind, String waitsFor, String heldAs) {
    }

    /** One consistent-as-possible view of the process: text dump, MXBean dump, JVM deadlock verdict. */
    private static final class Capture {
        ThreadDump dump;
        final Map<Long, Edge> edges = new TreeMap<>();
        final List<ClassInitializationWait> waits = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        Set<Long> jvmDeadlocked;

        Capture(ThreadDump dump) {
            this.dump = dump;
        }
    }

    /** @throws IOException when the connection to the analysed JVM fails (never for this JVM's own server) */
    DeadlockReport analyze() throws IOException {
        Capture first = capture();
        List<List<Edge>> cycles = cycles(first);
        if (cycles.stream().anyMatch(DeadlockDetector::isClassInitCycle)) {
            Set<List<Edge>> again = new HashSet<>(cycles(capture()));
            cycles.removeIf(cycle -> isClassInitCycle(cycle) && !again.contains(cycle));
        }
        List<Deadlock> deadlocks = new ArrayList<>(cycles.size());
        for (List<Edge> cycle : cycles) {
            deadlocks.add(toDeadlock(cycle, blockedBehind(cycle, first), first.dump));
        }
        List<ClassInitializationWait> waits = new ArrayList<>(first.waits);
        waits.sort(Comparator.comparingLong(ClassInitializationWait::waiterThreadId)
                .thenComparing(ClassInitializationWait::className));
        return new DeadlockReport(deadlocks, waits, first.warnings, first.dump);
    }

    private static boolean isClassInitCycle(List<Edge> cycle) {
        return cycle.stream().anyMatch(e -> e.kind() == Deadlock.Kind.CLASS_INITIALIZATION);
    }

    private Capture capture() throws IOException {
        List<String> warnings = new ArrayList<>();
        Optional<String> text = threadPrint(warnings);
        Capture capture = new Capture(ThreadDump.from(threads));
        capture.warnings.addAll(warnings);
        capture.jvmDeadlocked = jvmDeadlocked(capture.warnings);
        for (ThreadSnapshot thread : capture.dump.threads()) {
            lockEdge(thread).ifPresent(edge -> capture.edges.put(edge.from(), edge));
        }
        text.ifPresent(t -> addClassInitializationWaits(capture, ThreadPrintParser.parse(t)));
        return capture;
    }

    private static Optional<Edge> lockEdge(ThreadSnapshot thread) {
        OptionalLong owner = thread.lockOwnerId();
        Optional<LockIdentity> lock = thread.lock();
        if (owner.isEmpty() || lock.isEmpty() || owner.getAsLong() == thread.id()) {
            return Optional.empty();
        }
        Deadlock.Kind kind;
        if (thread.state() == Thread.State.BLOCKED) {
            kind = Deadlock.Kind.MONITOR;
        } else if (thread.state() == Thread.State.WAITING || thread.state() == Thread.State.TIMED_WAITING) {
            // The JVM names an owner for a waiting thread only when it is parked on an ownable synchronizer.
            kind = Deadlock.Kind.SYNCHRONIZER;
        } else {
            return Optional.empty();
        }
        String what = "lock " + lock.get();
        return Optional.of(new Edge(thread.id(), owner.getAsLong(), kind, what, "holds " + what));
    }

    private static void addClassInitializationWaits(Capture capture, List<TextThread> textThreads) {
        findClassInitializationWaits(capture, textThreads);
        Map<Long, String> awaited = new HashMap<>();
        for (ClassInitializationWait wait : capture.waits) {
            awaited.putIfAbsent(wait.waiterThreadId(), wait.className());
        }
        if (awaited.isEmpty()) {
            return;
        }
        List<ThreadSnapshot> annotated = new ArrayList<>(capture.dump.threads().size());
        for (ThreadSnapshot thread : capture.dump.threads()) {
            String className = awaited.get(thread.id());
            annotated.add(className == null ? thread : thread.withAwaitedClassInitialization(className));
        }
        capture.dump = ThreadDump.of(capture.dump.capturedAt(), annotated);
    }

    private static void findClassInitializationWaits(Capture capture, List<TextThread> textThreads) {
        Map<Long, TextThread> textById = new HashMap<>();
        for (TextThread textThread : textThreads) {
            textById.put(textThread.id(), textThread);
        }
        for (TextThread waiter : textThreads) {
            for (String className : waiter.waitsForClasses()) {
                List<ThreadSnapshot> initializers = new ArrayList<>(1);
                for (ThreadSnapshot candidate : capture.dump.threads()) {
                    TextThread candidateText = textById.get(candidate.id());
                    if (candidate.id() != waiter.id() && (candidate.isInitializing(className)
                            || candidateText != null && candidateText.initializing().contains(className))) {
                        initializers.add(candidate);
                    }
                }
                Optional<ThreadSnapshot> waiterSnapshot = capture.dump.find(waiter.id());
                String waiterName = waiterSnapshot.map(ThreadSnapshot::name).orElse(waiter.name());
                initializers = preferSameLoader(initializers, className, waiterSnapshot);
                if (initializers.isEmpty()) {
                    capture.waits.add(new ClassInitializationWait(waiter.id(), waiterName, className,
                            OptionalLong.empty(), Optional.empty()));
                    continue;
                }
                ThreadSnapshot owner = initializers.get(0);
                if (initializers.size() > 1) {
                    capture.warnings.add(initializers.size() + " threads run " + className + ".<clinit> (the class is"
                            + " defined by several class loaders that cannot be told apart by name); the wait of " + ThreadSnapshot.label(waiterName,
                            waiter.id()) + " is attributed to the lowest thread id, " + owner.label());
                }
                capture.waits.add(new ClassInitializationWait(waiter.id(), waiterName, className,
                        OptionalLong.of(owner.id()), Optional.of(owner.name())));
                if (!capture.edges.containsKey(waiter.id()) && capture.dump.find(waiter.id()).isPresent()) {
                    capture.edges.put(waiter.id(), new Edge(waiter.id(), owner.id(),
                            Deadlock.Kind.CLASS_INITIALIZATION, "class " + className, "initializes " + className));
                }
            }
        }
    }

    /**
     * The text names the awaited class but not its loader, so with several loaders defining classes of that name
     * several threads may run a {@code <clinit>} of it. The class was resolved from the waiter's innermost frame, so
     * prefer initializers whose {@code <clinit>} frame belongs to a loader of the same name as that frame's class.
     */
    private static List<ThreadSnapshot> preferSameLoader(List<ThreadSnapshot> initializers, String className,
                                                         Optional<ThreadSnapshot> waiter) {
        if (initializers.size() < 2 || waiter.isEmpty() || waiter.get().stack().isEmpty()) {
            return initializers;
        }
        String waiterLoader = waiter.get().stack().get(0).getClassLoaderName();
        if (waiterLoader == null) {
            return initializers;
        }
        List<ThreadSnapshot> sameLoader = new ArrayList<>(1);
        for (ThreadSnapshot candidate : initializers) {
            for (StackTraceElement frame : candidate.stack()) {
                if ("<clinit>".equals(frame.getMethodName()) && frame.getClassName().equals(className)
                        && waiterLoader.equals(frame.getClassLoaderName())) {
                    sameLoader.add(candidate);
                    break;
                }
            }
        }
        return sameLoader.isEmpty() ? initializers : sameLoader;
    }

    private static List<List<Edge>> cycles(Capture capture) {
        List<List<Edge>> cycles = new ArrayList<>();
        Set<Long> done = new HashSet<>();
        for (Long start : capture.edges.keySet()) {
            Map<Long, Edge> path = new LinkedHashMap<>();
            Long current = start;
            while (current != null && !done.contains(current) && !path.containsKey(current)) {
                Edge edge = capture.edges.get(current);
                if (edge == null) {
                    break;
                }
                path.put(current, edge);
                current = edge.to();
            }
            if (current != null && path.containsKey(current)) {
                List<Edge> cycle = rotateToLowestId(path, current);
                if (isClassInitCycle(cycle) || confirmedByJvm(cycle, capture.jvmDeadlocked)) {
                    cycles.add(cycle);
                }
            }
            done.addAll(path.keySet());
        }
        cycles.sort(Comparator.comparingLong(cycle -> cycle.get(0).from()));
        return cycles;
    }

    private static List<Edge> rotateToLowestId(Map<Long, Edge> path, long cycleStart) {
        List<Edge> cycle = new ArrayList<>();
        boolean inCycle = false;
        for (Map.Entry<Long, Edge> entry : path.entrySet()) {
            inCycle |= entry.getKey() == cycleStart;
            if (inCycle) {
                cycle.add(entry.getValue());
            }
        }
        int lowest = 0;
        for (int i = 1; i < cycle.size(); i++) {
            if (cycle.get(i).from() < cycle.get(lowest).from()) {
                lowest = i;
            }
        }
        List<Edge> rotated = new ArrayList<>(cycle.size());
        for (int i = 0; i < cycle.size(); i++) {
            rotated.add(cycle.get((lowest + i) % cycle.size()));
        }
        return List.copyOf(rotated);
    }

    private static boolean confirmedByJvm(List<Edge> cycle, Set<Long> jvmDeadlocked) {
        if (jvmDeadlocked == null) {
            return true;
        }
        return cycle.stream().allMatch(edge -> jvmDeadlocked.contains(edge.from()));
    }

    /** Edges of the threads outside the cycle whose chain of waits ends in it, by thread id. */
    private static List<Edge> blockedBehind(List<Edge> cycle, Capture capture) {
        Set<Long> members = new HashSet<>();
        for (Edge edge : cycle) {
            members.add(edge.from());
        }
        List<Edge> behind = new ArrayList<>();
        for (Edge edge : capture.edges.values()) {
            if (members.contains(edge.from())) {
                continue;
            }
            Edge current = edge;
            for (int steps = 0; current != null && steps < capture.edges.size(); steps++) {
                if (members.contains(current.to())) {
                    behind.add(edge);
                    break;
                }
                current = capture.edges.get(current.to());
            }
        }
        return behind;
    }

    private static Deadlock toDeadlock(List<Edge> cycle, List<Edge> behind, ThreadDump dump) {
        List<Deadlock.Participant> participants = new ArrayList<>(cycle.size());
        for (int i = 0; i < cycle.size(); i++) {
            Edge edge = cycle.get(i);
            Edge incoming = cycle.get((i + cycle.size() - 1) % cycle.size());
            ThreadSnapshot thread = dump.find(edge.from()).orElseThrow();
            participants.add(new Deadlock.Participant(thread, edge.kind(), incoming.heldAs(), edge.waitsFor(),
                    edge.to()));
        }
        List<Deadlock.Participant> blocked = new ArrayList<>(behind.size());
        for (Edge edge : behind) {
            dump.find(edge.from()).ifPresent(thread -> blocked.add(
                    new Deadlock.Participant(thread, edge.kind(), "", edge.waitsFor(), edge.to())));
        }
        return new Deadlock(participants, blocked);
    }

    private Set<Long> jvmDeadlocked(List<String> warnings) throws IOException {
        long[] ids;
        try {
            ids = JmxCalls.call(() -> threads.isSynchronizerUsageSupported()
                    ? threads.findDeadlockedThreads() : threads.findMonitorDeadlockedThreads());
        } catch (UnsupportedOperationException | SecurityException e) {
            warnings.add("the JVM's deadlock detector is unavailable (" + e + "); lock cycles are reported from"
                    + " the thread dump without its confirmation");
            return null;
        }
        Set<Long> set = new HashSet<>();
        if (ids != null) {
            for (long id : ids) {
                set.add(id);
            }
        }
        return set;
    }

    private Optional<String> threadPrint(List<String> warnings) throws IOException {
        String notDetected = "class-initialization deadlocks and waits are NOT detected";
        try {
            Object text = server.invoke(new ObjectName(DIAGNOSTIC_COMMAND), THREAD_PRINT,
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            if (text instanceof String) {
                return Optional.of((String) text);
            }
            warnings.add(notDetected + ": " + DIAGNOSTIC_COMMAND + " " + THREAD_PRINT + " returned " + text);
        } catch (InstanceNotFoundException e) {
            warnings.add(notDetected + ": this JVM (" + JmxCalls.vmName(server) + ") has no MBean "
                    + DIAGNOSTIC_COMMAND + "; monitor and lock deadlocks are still detected. Run on a HotSpot-based"
                    + " JDK with the jdk.management module to detect them.");
        } catch (JMException | SecurityException | UnsupportedOperationException e) {
            warnings.add(notDetected + ": invoking " + DIAGNOSTIC_COMMAND + " " + THREAD_PRINT + " failed: " + e);
        }
        return Optional.empty();
    }
}
