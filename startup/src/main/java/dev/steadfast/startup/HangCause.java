package dev.steadfast.startup;

import dev.steadfast.diagnostics.ClassInitializationWait;
import dev.steadfast.diagnostics.ThreadDump;
import dev.steadfast.diagnostics.ThreadSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads what a stuck step thread is blocked on from its snapshot, in words an on-call engineer can act on: the frame
 * it is stuck in and the lock, monitor, socket read, class initialization or future it waits for; and the waits that
 * close a cycle through the step's own static initializer (the step runs {@code X.<clinit>} and waits for work that
 * another thread can only do once {@code X} is initialized).
 *
 * <pre>{@code
 * String line = HangCause.blocker(snapshot);
 * // "blocked in com.acme.Db.connect(Db.java:42): reading from a socket (java.net.SocketInputStream.socketRead0)"
 * }</pre>
 */
final class HangCause {
  private HangCause() {}

  /** One line: where the thread is stuck and on what; empty when it is running (not waiting on anything). */
  static String blocker(ThreadSnapshot t) {
    List<StackTraceElement> stack = t.stack();
    if (stack.isEmpty()) {
      return "";
    }
    StackTraceElement top = stack.get(0);
    String what = waitsFor(t, top);
    if (what.isEmpty()) {
      return "";
    }
    StackTraceElement own = firstOwnFrame(stack);
    return "blocked" + (own == null ? "" : " in " + own) + ": " + what + " (" + top.getClassName() + "."
        + top.getMethodName() + ")";
  }

  private static String waitsFor(ThreadSnapshot t, StackTraceElement top) {
    Optional<String> clazz = t.awaitedClassInitialization();
    if (clazz.isPresent()) {
      return "waiting for class " + clazz.get() + " to be initialized";
    }
    String frame = (top.getClassName() + "." + top.getMethodName()).toLowerCase(Locale.ROOT);
    if (t.lockName().isPresent()) {
      String lock = t.lockName().get();
      String owner = t.lockOwnerName().map(n -> " held by \"" + n + "\"").orElse("");
      if (t.state() == Thread.State.BLOCKED) {
        return "waiting to lock monitor " + lock + owner;
      }
      if (isFuture(lock)) {
        return "waiting for a future (" + lock + ")" + owner;
      }
      return "waiting for " + lock + owner;
    }
    String io = socketWait(t.stack());
    if (!io.isEmpty()) {
      return io;
    }
    if (frame.contains("thread.sleep")) { // Thread.sleep, or Thread.sleep0 on newer JDKs
      return "sleeping";
    }
    if (t.state() == Thread.State.WAITING || t.state() == Thread.State.TIMED_WAITING) {
      return "waiting";
    }
    return t.inNative() ? "in native code" : "";
  }

  /** Frames read from the top to tell a socket wait; the JDK's socket code is a few frames deep. */
  private static final int SOCKET_FRAMES = 8;

  /** What a thread blocked in the JDK's socket code waits for, from the frames on top of its stack; empty if none. */
  private static String socketWait(List<StackTraceElement> stack) {
    StringBuilder top = new StringBuilder();
    for (int i = 0; i < Math.min(SOCKET_FRAMES, stack.size()); i++) {
      top.append(stack.get(i).getClassName()).append('.').append(stack.get(i).getMethodName()).append(' ');
    }
    String frames = top.toString().toLowerCase(Locale.ROOT);
    if (!frames.contains("socket") && !frames.contains("sun.nio.ch.")) {
      return "";
    }
    if (frames.contains("accept")) {
      return "accepting connections on a socket";
    }
    if (frames.contains("connect")) {
      return "connecting a socket";
    }
    if (frames.contains("read")) {
      return "reading from a socket";
    }
    if (frames.contains("write")) {
      return "writing to a socket";
    }
    return "waiting on a socket or channel";
  }

  static boolean isFuture(String lockName) {
    return lockName.contains("FutureTask") || lockName.contains("CompletableFuture")
        || lockName.contains("ForkJoinTask");
  }

  /**
   * The innermost frame that is not the JDK's: the user's code that made the blocking call (or, when the start action
   * is the JDK's own code, the run's frame that called it).
   */
  private static StackTraceElement firstOwnFrame(List<StackTraceElement> stack) {
    for (StackTraceElement frame : stack) {
      String c = frame.getClassName();
      if (!(c.startsWith("java.") || c.startsWith("javax.") || c.startsWith("jdk.") || c.startsWith("sun.")
          || c.startsWith("com.sun."))) {
        return frame;
      }
    }
    return null;
  }

  /**
   * Waits for a class the step thread is initializing: each names the waiting thread and, when the step thread is
   * itself blocked, how the two waits close a cycle (through a lock it holds, or a future that waiting thread runs).
   */
  static List<String> cyclesThroughInitializer(ThreadSnapshot step, List<ClassInitializationWait> waits,
      ThreadDump dump) {
    List<String> cycles = new ArrayList<>();
    for (ClassInitializationWait w : waits) {
      if (w.ownerThreadId().isEmpty() || w.ownerThreadId().getAsLong() != step.id()
          || w.waiterThreadId() == step.id()) {
        continue;
      }
      ThreadSnapshot waiter = dump.find(w.waiterThreadId()).orElse(null);
      String stepWait = waitOf(step);
      String closing;
      if (step.lockOwnerId().isPresent() && step.lockOwnerId().getAsLong() == w.waiterThreadId()) {
        closing = "a deadlock: " + step.label() + " runs " + w.className() + ".<clinit> and is " + stepWait
            + "; " + label(waiter, w) + " waits for class " + w.className() + " to be initialized by it";
      } else if (step.lockName().isPresent() && isFuture(step.lockName().get()) && waiter != null
          && runsTask(waiter)) {
        closing = "a cycle through Future.get: " + step.label() + " runs " + w.className() + ".<clinit> and is "
            + stepWait + ", a task that " + waiter.label() + " is running; that task waits for class "
            + w.className() + " to be initialized by " + step.label() + ", so neither can go on";
      } else {
        closing = label(waiter, w) + " waits for class " + w.className() + ", whose static initializer "
            + step.label() + " is running" + (stepWait.isEmpty() ? "" : " while " + stepWait);
      }
      cycles.add(closing);
    }
    return cycles;
  }

  private static String label(ThreadSnapshot waiter, ClassInitializationWait w) {
    return waiter != null ? waiter.label() : "\"" + w.waiterThreadName() + "\" #" + w.waiterThreadId();
  }

  private static String waitOf(ThreadSnapshot t) {
    return t.stack().isEmpty() ? "" : waitsFor(t, t.stack().get(0));
  }

  /** Whether the thread is running a submitted task (a future's work). */
  private static boolean runsTask(ThreadSnapshot t) {
    for (StackTraceElement frame : t.stack()) {
      String c = frame.getClassName();
      if (c.equals("java.util.concurrent.FutureTask") && frame.getMethodName().equals("run")
          || c.startsWith("java.util.concurrent.CompletableFuture$Async")
          || c.equals("java.util.concurrent.ForkJoinTask") && frame.getMethodName().startsWith("doExec")) {
        return true;
      }
    }
    return false;
  }
}
