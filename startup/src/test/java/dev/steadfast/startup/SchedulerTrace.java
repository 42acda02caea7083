package dev.steadfast.startup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Everything one run of a {@link RandomPlan} did, on one logical clock: the scheduler's decisions (from the
 * {@link RunObserver} seam, taken under its decision lock) and what each start action really did on its thread.
 */
final class SchedulerTrace implements RunObserver, StartupListener {
  private static final long NEVER = -1;

  private final int parallelism;
  private final AtomicLong clock = new AtomicLong();
  private final AtomicLongArray begun;
  /** When a step was handed to the executor; its begin time when the thread that began it ran it. */
  private final AtomicLongArray handed;
  private final AtomicLongArray entered;
  private final AtomicLongArray exited;
  private final AtomicReferenceArray<Thread> threads;
  /** Per step, every final status decided, with its time. */
  private final AtomicReferenceArray<List<long[]>> finished;
  private final Map<String, List<StepEvent.Kind>> events = new ConcurrentHashMap<>();
  private final List<Integer> beginOrder = new CopyOnWriteArrayList<>();
  /** Per thread, the steps whose start action it entered. */
  private final Map<Thread, List<Integer>> entriesByThread = new ConcurrentHashMap<>();
  private final List<String> idleWhileStartable = new CopyOnWriteArrayList<>();
  private volatile StartupPool pool;

  SchedulerTrace(int steps, int parallelism) {
    this.parallelism = parallelism;
    begun = new AtomicLongArray(steps);
    handed = new AtomicLongArray(steps);
    entered = new AtomicLongArray(steps);
    exited = new AtomicLongArray(steps);
    threads = new AtomicReferenceArray<>(steps);
    finished = new AtomicReferenceArray<>(steps);
    for (int i = 0; i < steps; i++) {
      begun.set(i, NEVER);
      entered.set(i, NEVER);
      exited.set(i, NEVER);
      finished.set(i, new CopyOnWriteArrayList<>());
    }
  }

  // ------------------------------------------------------------ what the scheduler decided

  @Override
  public void poolOpened(StartupPool pool) {
    this.pool = pool;
  }

  @Override
  public void begun(int step, int running) {
    long now = clock.incrementAndGet();
    begun.set(step, now);
    handed.set(step, now);
    beginOrder.add(step);
  }

  @Override
  public void handingOver(int step) {
    handed.set(step, clock.incrementAndGet());
  }

  @Override
  public void finished(int step, StepStatus status) {
    finished.get(step).add(new long[] {status.ordinal(), clock.incrementAndGet()});
  }

  @Override
  public void decided(int running, int startable, boolean failing) {
    if (!failing && startable > 0 && running < parallelism) {
      idleWhileStartable.add(startable + " startable while " + running + " of " + parallelism + " ran");
    }
  }

  @Override
  public void onStepEvent(StepEvent event) {
    if (event.kind() == StepEvent.Kind.STOPPED || event.kind() == StepEvent.Kind.STOP_FAILED) {
      return; // the test closes each startup; only startup decisions are compared
    }
    events.computeIfAbsent(event.step(), k -> new CopyOnWriteArrayList<>()).add(event.kind());
  }

  // ------------------------------------------------------------ what the start actions did

  void entered(int step) {
    long now = clock.incrementAndGet();
    // Retries enter again: the first entry is when the step began to run.
    if (entered.compareAndSet(step, NEVER, now)) {
      threads.set(step, Thread.currentThread());
      entriesByThread.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>()).add(step);
    }
  }

  void exited(int step) {
    exited.set(step, clock.incrementAndGet());
  }

  // ------------------------------------------------------------ reading it back

  boolean wasBegun(int step) {
    return begun.get(step) != NEVER;
  }

  boolean hasEntered(int step) {
    return entered.get(step) != NEVER;
  }

  long beginTime(int step) {
    return begun.get(step);
  }

  long entryTime(int step) {
    return entered.get(step);
  }

  /** The final statuses decided for the step, in order (exactly one when the scheduler is right). */
  List<StepStatus> decisions(int step) {
    List<StepStatus> out = new ArrayList<>();
    for (long[] d : finished.get(step)) {
      out.add(StepStatus.values()[(int) d[0]]);
    }
    return out;
  }

  /** When the step's (first) final status was decided, or -1. */
  long decisionTime(int step) {
    List<long[]> d = finished.get(step);
    return d.isEmpty() ? NEVER : d.get(0)[1];
  }

  List<StepEvent.Kind> events(String step) {
    return events.getOrDefault(step, List.of());
  }

  List<Integer> beginOrder() {
    return Collections.unmodifiableList(beginOrder);
  }

  List<String> idleWhileStartable() {
    return idleWhileStartable;
  }

  /**
   * Whether the step waited behind a busy worker: the thread that finally ran it first ran a step handed over (or
   * taken by that thread) after it. A step handed to an idle or new worker never does.
   */
  boolean startedLate(int step) {
    Thread t = threads.get(step);
    if (t == null) {
      return false;
    }
    long from = handed.get(step);
    long to = entered.get(step);
    for (int other : entriesByThread.getOrDefault(t, List.of())) {
      long entry = entered.get(other);
      if (other != step && handed.get(other) > from && entry > from && entry < to) {
        return true;
      }
    }
    return false;
  }

  StartupPool pool() {
    return pool;
  }
}
