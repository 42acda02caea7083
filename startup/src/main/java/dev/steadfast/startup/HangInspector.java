package dev.steadfast.startup;

import dev.steadfast.diagnostics.ClassInitializationWait;
import dev.steadfast.diagnostics.Deadlock;
import dev.steadfast.diagnostics.DeadlockReport;
import dev.steadfast.diagnostics.Deadlocks;
import dev.steadfast.diagnostics.ThreadSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Captures what an overrunning step is doing, with the diagnostics module. */
final class HangInspector {
  private HangInspector() {}

  /** One JVM-wide analysis, shared by every step that overran at the same moment. */
  record Analysis(DeadlockReport report, List<String> notes) {
    static final Analysis NONE = new Analysis(null, List.of("hang diagnostics are off: no thread dump taken"));
  }

  static Analysis analyze(boolean enabled) {
    if (!enabled) {
      return Analysis.NONE;
    }
    try {
      DeadlockReport report = Deadlocks.analyze();
      return new Analysis(report, report.warnings());
    } catch (RuntimeException | LinkageError e) {
      // A diagnostics failure must not turn a timeout into a crash: the step is still interrupted and reported.
      return new Analysis(null, List.of("thread dump and deadlock analysis failed: " + e));
    }
  }

  static HangDiagnosis diagnose(Thread thread, String threadName, Analysis analysis) {
    List<String> notes = new ArrayList<>(analysis.notes());
    if (thread == null) {
      notes.add("the step had not begun running on its executor yet (all executor threads busy)");
      return new HangDiagnosis(threadName, "", List.of(), List.of(), List.of(), dumpText(analysis), notes, "");
    }
    long id = thread.getId();
    // The dump's snapshot knows the class the thread waits to see initialized; a fresh one does not.
    ThreadSnapshot snapshot = analysis.report() == null ? ThreadSnapshot.of(thread)
        : analysis.report().threadDump().find(id).orElseGet(() -> ThreadSnapshot.of(thread));
    List<String> deadlocks = new ArrayList<>();
    List<String> waits = new ArrayList<>();
    if (analysis.report() != null) {
      for (Deadlock d : analysis.report().deadlocks()) {
        if (d.threadIds().contains(id)) {
          deadlocks.add(d.toString());
        }
      }
      List<ClassInitializationWait> all = analysis.report().classInitializationWaits();
      for (ClassInitializationWait w : all) {
        if (w.waiterThreadId() == id || w.ownerThreadId().isPresent() && w.ownerThreadId().getAsLong() == id) {
          waits.add(w.toString());
        }
      }
      if (deadlocks.isEmpty()) {
        deadlocks.addAll(HangCause.cyclesThroughInitializer(snapshot, all, analysis.report().threadDump()));
      }
    }
    return new HangDiagnosis(snapshot.name(), snapshot.toString(), deadlocks, waits, initializingClasses(snapshot),
        dumpText(analysis), notes, HangCause.blocker(snapshot));
  }

  /** Classes whose static initializer is on the thread's stack, innermost first. */
  static List<String> initializingClasses(ThreadSnapshot snapshot) {
    Set<String> classes = new LinkedHashSet<>();
    for (StackTraceElement frame : snapshot.stack()) {
      if ("<clinit>".equals(frame.getMethodName())) {
        classes.add(frame.getClassName());
      }
    }
    return List.copyOf(classes);
  }

  private static String dumpText(Analysis analysis) {
    return analysis.report() == null ? "" : analysis.report().threadDump().toString();
  }
}
