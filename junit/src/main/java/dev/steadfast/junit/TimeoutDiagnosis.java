package dev.steadfast.junit;

import dev.steadfast.diagnostics.Deadlock;
import dev.steadfast.diagnostics.DeadlockReport;
import dev.steadfast.diagnostics.Deadlocks;
import dev.steadfast.diagnostics.ThreadSnapshot;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.PreInterruptCallback;
import org.junit.jupiter.api.extension.PreInterruptContext;

/**
 * Explains a {@code @Timeout}: just before JUnit interrupts the timed-out test thread, prints what that thread is
 * doing - its full stack with the locks it holds and the one it waits for (and that lock's owner) - then every
 * deadlock in the JVM (monitors, {@code ReentrantLock}-style synchronizers, class initialisation, and mixed cycles),
 * saying when the test thread is part of one or blocked behind one, and every thread waiting for a class that another
 * thread is still initialising, with that thread. JUnit's own
 * {@code junit.jupiter.execution.timeout.threaddump.enabled} prints {@code Thread.getAllStackTraces()}: none of this.
 *
 * <p>The diagnosis goes to standard error and into the test's report as the entry
 * {@value #REPORT_ENTRY}. It needs JUnit 5.12 or later ({@link PreInterruptCallback} appeared there); the rest of
 * steadfast-junit runs on 5.10+. It is therefore not auto-detected - a class on the services list that JUnit 5.10
 * cannot load would break every suite that enables auto-detection - but registered where wanted, usually on a base
 * class, and turned off for a run with {@value #ENABLED_PROPERTY_NAME}{@code =false}:
 *
 * <pre>{@code
 * @ExtendWith(TimeoutDiagnosis.class)
 * abstract class ServiceTestBase {
 * }
 *
 * class CacheTest extends ServiceTestBase {
 *     @Test
 *     @Timeout(5)
 *     void warmUp_completes() { cache.warmUp(); }
 * }
 * }</pre>
 */
public final class TimeoutDiagnosis implements PreInterruptCallback {

    /** Configuration parameter: {@code true} (the default) or {@code false} to keep a registered instance quiet. */
    public static final String ENABLED_PROPERTY_NAME = "steadfast.timeout.diagnosis.enabled";
    /** Key of the report entry that carries the diagnosis. */
    public static final String REPORT_ENTRY = "steadfast.timeout.diagnosis";

    /** Called by JUnit when the extension is registered. */
    public TimeoutDiagnosis() {
    }

    @Override
    public void beforeThreadInterrupt(PreInterruptContext preInterruptContext, ExtensionContext extensionContext) {
        if (!extensionContext.getConfigurationParameter(ENABLED_PROPERTY_NAME).map(String::trim).map(v -> !"false"
                .equalsIgnoreCase(v)).orElse(true)) {
            return;
        }
        String diagnosis = diagnose(preInterruptContext.getThreadToInterrupt(),
                LeakFreeSettings.describe(extensionContext));
        System.err.print(diagnosis);
        extensionContext.publishReportEntry(REPORT_ENTRY, diagnosis);
    }

    /** The text: the thread with its locks, then what holds it up, then the JVM's deadlocks and class-init waits. */
    static String diagnose(Thread thread, String testName) {
        DeadlockReport report = Deadlocks.analyze();
        // The dump's own snapshot also knows a class-initialisation wait, which only the JVM's text dump reports.
        ThreadSnapshot snapshot = report.threadDump().find(thread.getId()).orElseGet(() -> ThreadSnapshot.of(thread));
        StringBuilder out = new StringBuilder("Steadfast timeout diagnosis of ").append(testName).append(": thread ")
                .append(snapshot.label()).append(" is about to be interrupted.\n");
        Optional<Deadlock> holding = report.deadlockBlocking(snapshot.id());
        holding.ifPresent(deadlock -> out.append("It is held up by a ").append(deadlock.kind())
                .append(" deadlock (below).\n"));
        snapshot.awaitedClassInitialization().ifPresent(className -> out.append("It waits for class ")
                .append(className).append(" to be initialised by another thread (below); an interrupt cannot end "
                        + "that wait.\n"));
        out.append('\n').append(snapshot.toString().stripTrailing()).append("\n\n");
        out.append(report.toString().stripTrailing()).append('\n');
        return out.toString();
    }
}
