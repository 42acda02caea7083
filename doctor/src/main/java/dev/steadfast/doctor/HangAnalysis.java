package dev.steadfast.doctor;

import dev.steadfast.diagnostics.ClassInitializationWait;
import dev.steadfast.diagnostics.Deadlock;
import dev.steadfast.diagnostics.DeadlockReport;
import dev.steadfast.diagnostics.LockIdentity;
import dev.steadfast.diagnostics.ThreadDump;
import dev.steadfast.diagnostics.ThreadSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code doctor hang} concludes from one or more {@link DeadlockReport}s of the same JVM taken {@code interval}
 * apart: the deadlocks (from the diagnostics module's detector, unchanged), class-initialization waits with their
 * initializers, initializers that are themselves stuck inside the static initializer (the cycle the JVM cannot see:
 * the initializer waits for a thread that waits for the class), lock contention (owner and waiters, for how many
 * samples), and threads stuck in the same frame in every sample.
 *
 * <pre>{@code
 * HangAnalysis analysis = HangAnalysis.of(List.of(first, second, third), Duration.ofSeconds(1));
 * boolean found = analysis.foundDeadlockOrStall();
 * }</pre>
 */
final class HangAnalysis {

    /**
     * An initializer that waits without a timeout, or is blocked, inside the static initializer of a class other
     * threads wait for, in every sample. A timed wait (a sleep, a back-off, a poll with a timeout) ends by itself: such
     * an initializer is slow, not stuck, and stays a class-initialization wait.
     *
     * @param classWait one thread's wait for the class, with the initializer as owner
     * @param initializer the initializing thread in the last sample
     * @param waitingAt the call the static initializer is stuck in, and where it made it
     */
    record ClassInitStall(ClassInitializationWait classWait, ThreadSnapshot initializer, String waitingAt) {
    }

    /**
     * Threads blocked on one lock held by one owner.
     *
     * @param lock the lock
     * @param owner the owning thread in the last sample where it was contended
     * @param waiters threads waiting for it (union over the samples), by id
     * @param samplesContended in how many samples someone waited for it with the same owner
     */
    record Contention(LockIdentity lock, ThreadSnapshot owner, List<ThreadSnapshot> waiters, int samplesContended) {
    }

    private final List<DeadlockReport> samples;
    private final Duration interval;
    private final List<Deadlock> deadlocks;
    private final List<ClassInitializationWait> classInitWaits;
    private final List<ClassInitStall> stalls;
    private final List<Contention> contention;
    private final List<ThreadSnapshot> stuck;

    private HangAnalysis(List<DeadlockReport> samples, Duration interval) {
        this.samples = List.copyOf(samples);
        this.interval = interval;
        DeadlockReport last = last();
        this.deadlocks = last.deadlocks();
        this.classInitWaits = last.classInitializationWaits();
        this.stalls = stalls(this.samples);
        this.contention = contention(this.samples);
        this.stuck = stuck(this.samples);
    }

    static HangAnalysis of(List<DeadlockReport> samples, Duration interval) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("at least one sample is needed");
        }
        return new HangAnalysis(samples, Objects.requireNonNull(interval, "interval"));
    }

    DeadlockReport last() {
        return samples.get(samples.size() - 1);
    }

    int sampleCount() {
        return samples.size();
    }

    Duration interval() {
        return interval;
    }

    List<Deadlock> deadlocks() {
        return deadlocks;
    }

    List<ClassInitializationWait> classInitWaits() {
        return classInitWaits;
    }

    List<ClassInitStall> stalls() {
        return stalls;
    }

    List<Contention> contention() {
        return contention;
    }

    List<ThreadSnapshot> stuck() {
        return stuck;
    }

    /** What the exit code reports: a deadlock, or an initializer stuck inside its class's static initializer. */
    boolean foundDeadlockOrStall() {
        return !deadlocks.isEmpty() || !stalls.isEmpty();
    }

    /** Warnings of the detector, from every sample, once each. */
    List<String> warnings() {
        Set<String> warnings = new java.util.LinkedHashSet<>();
        for (DeadlockReport sample : samples) {
            warnings.addAll(sample.warnings());
        }
        return List.copyOf(warnings);
    }

    private static List<ClassInitStall> stalls(List<DeadlockReport> samples) {
        DeadlockReport last = samples.get(samples.size() - 1);
        Set<Long> inDeadlock = new HashSet<>();
        for (Deadlock deadlock : last.deadlocks()) {
            inDeadlock.addAll(deadlock.threadIds());
        }
        List<ClassInitStall> stalls = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ClassInitializationWait wait : last.classInitializationWaits()) {
            if (wait.ownerThreadId().isEmpty() || inDeadlock.contains(wait.waiterThreadId())
                    || !inEverySample(samples, wait)) {
                continue;
            }
            Optional<ThreadSnapshot> initializer = last.threadDump().find(wait.ownerThreadId().getAsLong());
            if (initializer.isEmpty() || inDeadlock.contains(initializer.get().id())
                    || !mayStall(initializer.get().state()) || !seen.add(wait.className())) {
                continue;
            }
            stalls.add(new ClassInitStall(wait, initializer.get(), waitingAt(initializer.get(), wait.className())));
        }
        return stalls;
    }

    private static boolean mayStall(Thread.State state) {
        return state == Thread.State.WAITING || state == Thread.State.BLOCKED;
    }

    /**
     * The call the static initializer made and is stuck in ({@code java.lang.Thread.join(Thread.java:1304)}), which
     * says more than the top frame ({@code Object.wait}); the top frame when {@code <clinit>} is not on the stack.
     */
    private static String waitingAt(ThreadSnapshot initializer, String className) {
        List<StackTraceElement> stack = initializer.stack();
        for (int i = 1; i < stack.size(); i++) {
            StackTraceElement frame = stack.get(i);
            if ("<clinit>".equals(frame.getMethodName()) && frame.getClassName().equals(className)) {
                return stack.get(i - 1) + " called from " + frame;
            }
        }
        return stack.isEmpty() ? "?" : stack.get(0).toString();
    }

    private static boolean inEverySample(List<DeadlockReport> samples, ClassInitializationWait wait) {
        for (DeadlockReport sample : samples) {
            if (!sample.classInitializationWaits().contains(wait)) {
                return false;
            }
        }
        return true;
    }

    private record LockKey(LockIdentity lock, long ownerId) {
    }

    private static List<Contention> contention(List<DeadlockReport> samples) {
        Map<LockKey, Map<Long, ThreadSnapshot>> waiters = new LinkedHashMap<>();
        Map<LockKey, Integer> seenIn = new LinkedHashMap<>();
        Map<LockKey, ThreadSnapshot> owners = new LinkedHashMap<>();
        for (DeadlockReport sample : samples) {
            ThreadDump dump = sample.threadDump();
            Set<LockKey> inThisSample = new HashSet<>();
            for (ThreadSnapshot thread : dump.threads()) {
                if (thread.lock().isEmpty() || thread.lockOwnerId().isEmpty()
                        || thread.lockOwnerId().getAsLong() == thread.id()) {
                    continue;
                }
                LockKey key = new LockKey(thread.lock().get(), thread.lockOwnerId().getAsLong());
                waiters.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(thread.id(), thread);
                dump.find(key.ownerId()).ifPresent(owner -> owners.put(key, owner));
                inThisSample.add(key);
            }
            for (LockKey key : inThisSample) {
                seenIn.merge(key, 1, Integer::sum);
            }
        }
        List<Contention> contention = new ArrayList<>();
        for (Map.Entry<LockKey, Map<Long, ThreadSnapshot>> entry : waiters.entrySet()) {
            ThreadSnapshot owner = owners.get(entry.getKey());
            if (owner == null) {
                continue;
            }
            List<ThreadSnapshot> list = new ArrayList<>(entry.getValue().values());
            list.sort(Comparator.comparingLong(ThreadSnapshot::id));
            contention.add(new Contention(entry.getKey().lock(), owner, list, seenIn.get(entry.getKey())));
        }
        contention.sort(Comparator.comparingInt((Contention c) -> -c.waiters().size())
                .thenComparingLong(c -> c.owner().id()));
        return contention;
    }

    /**
     * Threads with the same state and the same full stack in every sample (two samples at least), among those that
     * cannot be idle: blocked on a monitor, waiting for a lock someone owns, or running Java code (not native code
     * such as a socket accept). A pool thread waiting for work has the same stack forever too, and is not stuck.
     */
    private static List<ThreadSnapshot> stuck(List<DeadlockReport> samples) {
        if (samples.size() < 2) {
            return List.of();
        }
        List<ThreadSnapshot> stuck = new ArrayList<>();
        for (ThreadSnapshot thread : samples.get(samples.size() - 1).threadDump().threads()) {
            if (thread.stack().isEmpty() || !mayBeStuck(thread)) {
                continue;
            }
            boolean same = true;
            for (DeadlockReport sample : samples) {
                Optional<ThreadSnapshot> earlier = sample.threadDump().find(thread.id());
                if (earlier.isEmpty() || earlier.get().state() != thread.state()
                        || !earlier.get().stack().equals(thread.stack())) {
                    same = false;
                    break;
                }
            }
            if (same) {
                stuck.add(thread);
            }
        }
        return stuck;
    }

    private static boolean mayBeStuck(ThreadSnapshot thread) {
        return switch (thread.state()) {
            case BLOCKED -> true;
            case RUNNABLE -> !thread.inNative() && !thread.stack().get(0).isNativeMethod();
            case WAITING, TIMED_WAITING -> thread.lockOwnerId().isPresent();
            default -> false;
        };
    }
}
