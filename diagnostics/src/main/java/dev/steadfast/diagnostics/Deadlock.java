package dev.steadfast.diagnostics;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A cycle of threads each waiting for the next one forever: on a monitor ({@code synchronized}), on an ownable
 * synchronizer (a {@code java.util.concurrent} lock), on a class being initialized by another thread, or on a mix of
 * these. Immutable; found by {@link Deadlocks#find()}.
 *
 * <p>The cycle starts at the thread with the lowest id, so the same deadlock reads the same in every report.
 * {@link #toString()} names each thread, what it holds and what it waits for, then prints the stacks:
 * <pre>{@code
 * for (Deadlock deadlock : Deadlocks.find()) {
 *     log.error("{}", deadlock);
 * }
 * // CLASS_INITIALIZATION deadlock: "step-a" #31 -> "step-b" #32 -> "step-a" #31
 * //   "step-a" #31 initializes com.example.A, waits for class com.example.B initialized by "step-b" #32
 * //   "step-b" #32 initializes com.example.B, waits for class com.example.A initialized by "step-a" #31
 * //   ...
 * }</pre>
 */
public final class Deadlock {

    /**
     * What the threads of a deadlock wait on; it decides the remedy (lock ordering or a class initializer that must
     * not wait on another thread).
     *
     * <pre>{@code
     * if (deadlock.kind() == Deadlock.Kind.CLASS_INITIALIZATION) {
     *     log.error("static initializers wait on each other: {}", deadlock.cycle());
     * }
     * }</pre>
     */
    public enum Kind {
        /** Every thread waits to enter a {@code synchronized} monitor. */
        MONITOR,
        /** Every thread waits for an ownable synchronizer ({@code ReentrantLock}, {@code ReentrantReadWriteLock}). */
        SYNCHRONIZER,
        /** Every thread waits for a class that another thread of the cycle is initializing. */
        CLASS_INITIALIZATION,
        /** The threads wait on different kinds of the above (e.g. one on a monitor, one on a class). */
        MIXED
    }

    /**
     * One thread of a deadlock: what it holds and what it waits for.
     *
     * <pre>{@code
     * for (Deadlock.Participant p : deadlock.participants()) {
     *     log.error("{} {}, waits for {}", p.thread().name(), p.holds(), p.waitsFor());
     * }
     * }</pre>
     *
     * @param thread    snapshot of the thread, with its stack
     * @param waitsOn   what kind of thing it waits on: never {@link Kind#MIXED}
     * @param holds     what it holds that the previous thread of the cycle waits for, e.g.
     *                  {@code holds lock <0x1b6d3586> (a java.lang.Object)} or {@code initializes com.example.A};
     *                  empty for a thread {@linkplain #blockedBehind() blocked behind} the cycle
     * @param waitsFor  readable description of what it waits for, e.g. {@code class com.example.B} or
     *                  {@code lock <0x4554617c> (a java.lang.Object)}
     * @param waitsForThreadId id of the thread holding what this one waits for (the next one in the cycle)
     */
    public record Participant(ThreadSnapshot thread, Kind waitsOn, String holds, String waitsFor,
                              long waitsForThreadId) {

        /**
         * Checks presence of every component and that {@code waitsOn} is a single kind.
         *
         * @param thread           snapshot of the thread
         * @param waitsOn          kind of the wait, not {@link Kind#MIXED}
         * @param holds            what it holds that the previous thread waits for; empty if blocked behind
         * @param waitsFor         what it waits for
         * @param waitsForThreadId id of the thread holding that
         * @throws IllegalArgumentException if {@code waitsOn} is {@link Kind#MIXED}
         */
        public Participant {
            Objects.requireNonNull(thread, "thread");
            Objects.requireNonNull(waitsOn, "waitsOn");
            Objects.requireNonNull(holds, "holds");
            Objects.requireNonNull(waitsFor, "waitsFor");
            if (waitsOn == Kind.MIXED) {
                throw new IllegalArgumentException("a single thread waits on one kind of thing, not MIXED");
            }
        }
    }

    private final Kind kind;
    private final List<Participant> participants;
    private final List<Participant> blockedBehind;

    Deadlock(List<Participant> participants, List<Participant> blockedBehind) {
        if (participants.isEmpty()) {
            throw new IllegalArgumentException("a deadlock needs at least one participant");
        }
        this.participants = List.copyOf(participants);
        this.blockedBehind = List.copyOf(blockedBehind);
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (Participant participant : participants) {
            kinds.add(participant.waitsOn());
        }
        this.kind = kinds.size() == 1 ? kinds.iterator().next() : Kind.MIXED;
    }

    /** @return what the threads wait on */
    public Kind kind() {
        return kind;
    }

    /** @return the threads of the cycle, in cycle order starting with the lowest thread id */
    public List<Participant> participants() {
        return participants;
    }

    /**
     * Threads outside the cycle that wait, directly or through other threads, for something a thread of the cycle
     * holds: they are stuck for good too. {@link Participant#holds()} is empty for them.
     *
     * @return those threads, ordered by id
     */
    public List<Participant> blockedBehind() {
        return blockedBehind;
    }

    /**
     * @param threadId a thread id
     * @return whether that thread is in the cycle or {@linkplain #blockedBehind() blocked behind} it
     */
    public boolean blocks(long threadId) {
        for (Participant participant : participants) {
            if (participant.thread().id() == threadId) {
                return true;
            }
        }
        for (Participant participant : blockedBehind) {
            if (participant.thread().id() == threadId) {
                return true;
            }
        }
        return false;
    }

    /** @return ids of the threads in cycle order */
    public List<Long> threadIds() {
        List<Long> ids = new ArrayList<>(participants.size());
        for (Participant participant : participants) {
            ids.add(participant.thread().id());
        }
        return List.copyOf(ids);
    }

    /** @return names of the threads in cycle order */
    public List<String> threadNames() {
        List<String> names = new ArrayList<>(participants.size());
        for (Participant participant : participants) {
            names.add(participant.thread().name());
        }
        return List.copyOf(names);
    }

    /** @return the cycle of thread names, back to the first, e.g. {@code "step-a" -> "step-b" -> "step-a"} */
    public String cycle() {
        StringBuilder out = new StringBuilder();
        for (Participant participant : participants) {
            out.append('"').append(participant.thread().name()).append("\" -> ");
        }
        return out.append('"').append(participants.get(0).thread().name()).append('"').toString();
    }

    /** @return a readable report: kind and cycle, one line per thread (holds, waits for), then the threads' stacks */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(1024);
        out.append(kind).append(" deadlock: ");
        for (Participant participant : participants) {
            out.append(participant.thread().label()).append(" -> ");
        }
        out.append(participants.get(0).thread().label()).append('\n');
        for (Participant participant : participants) {
            out.append("  ").append(participant.thread().label()).append(' ').append(participant.holds())
                    .append(", ");
            appendWait(out, participant);
        }
        for (Participant participant : blockedBehind) {
            out.append("  ").append(participant.thread().label()).append(" is blocked behind this deadlock: ");
            appendWait(out, participant);
        }
        if (participants.stream().anyMatch(p -> p.waitsOn() == Kind.CLASS_INITIALIZATION)) {
            out.append("  Classes whose initialization never completes stay unusable for the life of their class"
                    + " loader; these threads cannot be interrupted out of the wait.\n");
        }
        for (Participant participant : participants) {
            out.append('\n');
            participant.thread().appendTo(out);
        }
        return out.toString();
    }

    private void appendWait(StringBuilder out, Participant participant) {
        out.append("waits for ").append(participant.waitsFor())
                .append(participant.waitsOn() == Kind.CLASS_INITIALIZATION ? " initialized by " : " held by ")
                .append(label(participant.waitsForThreadId())).append('\n');
    }

    private String label(long threadId) {
        for (Participant participant : participants) {
            if (participant.thread().id() == threadId) {
                return participant.thread().label();
            }
        }
        for (Participant participant : blockedBehind) {
            if (participant.thread().id() == threadId) {
                return participant.thread().label();
            }
        }
        return "#" + threadId;
    }
}
