package dev.steadfast.startup;

import java.util.List;
import java.util.Objects;

/**
 * What a step was doing when it overran its deadline, captured before it was interrupted: its own stack, the
 * deadlocks it is part of (monitors, {@code java.util.concurrent} locks, class initialization), the classes it waits
 * to see initialized, the classes whose static initializer it was running (poisoned for the life of the JVM if it is
 * abandoned there) and a full thread dump.
 *
 * <pre>{@code
 * report.step("db").diagnosis().ifPresent(d -> log.error("db hung:\n{}\n{}", d.stack(), d.deadlocks()));
 * }</pre>
 *
 * @param thread name of the step's thread
 * @param stack the step thread's stack, jstack-like
 * @param deadlocks readable reports of the deadlocks that involve the step's thread, including cycles the JVM does not
 *     detect: the step runs a static initializer and waits (a {@code Future.get}, a lock) for a thread that waits for
 *     that class
 * @param classInitializationWaits every class-initialization wait that involves the step's thread, whether it waits
 *     for a class or holds the initialization others wait for, e.g.
 *     {@code "step-b" #32 waits for class com.x.A to be initialized by "step-a" #31}
 * @param initializingClasses classes whose static initializer ({@code <clinit>}) is on the step's stack
 * @param threadDump every thread of the JVM at that moment, jstack-like (empty when hang diagnostics are off)
 * @param notes what could not be captured, and what the abort hook did
 * @param blocker one line naming what the thread was blocked on: the frame of the step's own code and the lock,
 *     monitor, socket read, class initialization or future it waited for; empty when it was not blocked
 */
public record HangDiagnosis(String thread, String stack, List<String> deadlocks, List<String> classInitializationWaits,
    List<String> initializingClasses, String threadDump, List<String> notes, String blocker) {

  /** Copies the lists and checks nothing is null. */
  public HangDiagnosis {
    Objects.requireNonNull(thread, "thread");
    Objects.requireNonNull(stack, "stack");
    deadlocks = List.copyOf(deadlocks);
    classInitializationWaits = List.copyOf(classInitializationWaits);
    initializingClasses = List.copyOf(initializingClasses);
    Objects.requireNonNull(threadDump, "threadDump");
    notes = List.copyOf(notes);
    Objects.requireNonNull(blocker, "blocker");
  }

  HangDiagnosis withNote(String note) {
    List<String> more = new java.util.ArrayList<>(notes);
    more.add(note);
    return new HangDiagnosis(thread, stack, deadlocks, classInitializationWaits, initializingClasses, threadDump,
        more, blocker);
  }
}
