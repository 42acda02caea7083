package dev.steadfast.doctor;

import dev.steadfast.diagnostics.ClassInitializationWait;
import dev.steadfast.diagnostics.Deadlock;
import dev.steadfast.diagnostics.DeadlockReport;
import dev.steadfast.diagnostics.Deadlocks;
import dev.steadfast.diagnostics.ThreadSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code steadfast-doctor hang <pid>}: why is this JVM stuck right now. Takes {@code --samples} thread dumps with
 * locks, {@code --interval} apart, through the target's JMX connector and the diagnostics module's deadlock analysis,
 * and reports deadlocks (monitor, {@code java.util.concurrent} lock, class initialization, mixed), class-initialization
 * waits with their initializers, initializers stuck inside their static initializer, lock contention and threads
 * stuck in the same frame. Exit code 1 when a deadlock or stall is found.
 *
 * <pre>{@code
 * $ java -jar steadfast-doctor.jar hang 4242 --samples 3 --interval 1s
 * $ java -jar steadfast-doctor.jar hang 4242 --json | jq .deadlocks
 * }</pre>
 */
@Command(name = "hang", mixinStandardHelpOptions = true,
        description = "Explains why a JVM is stuck: deadlocks (monitors, locks, class initialization), class-init"
                + " waits with their initializers, lock contention, threads stuck in the same frame.")
final class HangCommand implements Callable<Integer> {

    /** Dumps taken: three show a stuck thread as stuck and cost three brief safepoints. */
    static final int DEFAULT_SAMPLES = 3;
    /** Time between dumps. */
    static final String DEFAULT_INTERVAL = "1s";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PID", description = "process id of the JVM (see: list)")
    private long pid;

    @Option(names = "--samples", defaultValue = "" + DEFAULT_SAMPLES,
            description = "thread dumps to take (default ${DEFAULT-VALUE}); 'stuck' = same stack in every one")
    private int samples;

    @Option(names = "--interval", defaultValue = DEFAULT_INTERVAL, converter = DurationConverter.class,
            description = "time between dumps (default ${DEFAULT-VALUE}): 500ms, 1s, PT2S")
    private Duration interval;

    @Option(names = "--json", description = "print the findings as JSON instead of text")
    private boolean json;

    @Option(names = "--no-dump", description = "leave the full thread dump out of the text report")
    private boolean noDump;

    @Override
    public Integer call() throws InterruptedException {
        if (samples < 1 || samples > 100) {
            throw new DoctorException(ExitCode.USAGE, "--samples must be between 1 and 100: " + samples);
        }
        PrintWriter err = spec.commandLine().getErr();
        HangAnalysis analysis;
        String target;
        try (AttachedJvm jvm = AttachedJvm.attach(pid)) {
            target = "pid " + pid + " (" + jvm.mainClass() + ", " + jvm.description() + ")";
            err.println("Taking " + samples + " thread dump" + (samples == 1 ? "" : "s") + " of " + target
                    + (samples == 1 ? "" : ", " + DurationConverter.format(interval) + " apart")
                    + ": each pauses it at a safepoint (stop-the-world) for a few milliseconds.");
            analysis = HangAnalysis.of(sample(jvm), interval);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(toJson(analysis, target)));
        } else {
            out.print(HangText.render(analysis, target, !noDump));
        }
        return analysis.foundDeadlockOrStall() ? ExitCode.FOUND.code() : ExitCode.CLEAN.code();
    }

    private List<DeadlockReport> sample(AttachedJvm jvm) throws InterruptedException {
        List<DeadlockReport> reports = new ArrayList<>(samples);
        long start = System.nanoTime();
        for (int i = 0; i < samples; i++) {
            long due = start + interval.toNanos() * i;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            try {
                reports.add(Deadlocks.analyze(jvm.connection()));
            } catch (IOException | RuntimeException e) {
                throw jvm.gone(e);
            }
        }
        return reports;
    }

    private static Map<String, Object> toJson(HangAnalysis analysis, String target) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("target", target);
        root.put("samples", analysis.sampleCount());
        root.put("intervalMillis", analysis.interval().toMillis());
        root.put("deadlockOrStallFound", analysis.foundDeadlockOrStall());
        List<Object> deadlocks = new ArrayList<>();
        for (Deadlock deadlock : analysis.deadlocks()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("kind", deadlock.kind().name());
            d.put("cycle", deadlock.cycle());
            List<Object> participants = new ArrayList<>();
            for (Deadlock.Participant p : deadlock.participants()) {
                participants.add(participant(p));
            }
            d.put("participants", participants);
            List<Object> behind = new ArrayList<>();
            for (Deadlock.Participant p : deadlock.blockedBehind()) {
                behind.add(participant(p));
            }
            d.put("blockedBehind", behind);
            deadlocks.add(d);
        }
        root.put("deadlocks", deadlocks);
        List<Object> waits = new ArrayList<>();
        for (ClassInitializationWait wait : analysis.classInitWaits()) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("className", wait.className());
            w.put("waiter", thread(wait.waiterThreadName(), wait.waiterThreadId()));
            w.put("initializer", wait.ownerThreadId().isPresent()
                    ? thread(wait.ownerThreadName().orElseThrow(), wait.ownerThreadId().getAsLong()) : null);
            waits.add(w);
        }
        root.put("classInitializationWaits", waits);
        List<Object> stalls = new ArrayList<>();
        for (HangAnalysis.ClassInitStall stall : analysis.stalls()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("className", stall.classWait().className());
            s.put("initializer", thread(stall.initializer()));
            s.put("initializerState", stall.initializer().state().name());
            s.put("initializerWaitsAt", stall.waitingAt());
            s.put("waiters", waitersOf(analysis, stall.classWait().className()));
            stalls.add(s);
        }
        root.put("classInitializationStalls", stalls);
        List<Object> contention = new ArrayList<>();
        for (HangAnalysis.Contention c : analysis.contention()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lock", c.lock().toString());
            m.put("owner", thread(c.owner()));
            List<Object> waiters = new ArrayList<>();
            c.waiters().forEach(t -> waiters.add(thread(t)));
            m.put("waiters", waiters);
            m.put("samplesContended", c.samplesContended());
            contention.add(m);
        }
        root.put("lockContention", contention);
        List<Object> stuck = new ArrayList<>();
        for (ThreadSnapshot t : analysis.stuck()) {
            Map<String, Object> m = thread(t);
            m.put("state", t.state().name());
            m.put("frame", t.stack().get(0).toString());
            stuck.add(m);
        }
        root.put("stuckThreads", stuck);
        root.put("warnings", analysis.warnings());
        return root;
    }

    private static List<Object> waitersOf(HangAnalysis analysis, String className) {
        List<Object> waiters = new ArrayList<>();
        for (ClassInitializationWait wait : analysis.classInitWaits()) {
            if (wait.className().equals(className)) {
                waiters.add(thread(wait.waiterThreadName(), wait.waiterThreadId()));
            }
        }
        return waiters;
    }

    private static Map<String, Object> participant(Deadlock.Participant p) {
        Map<String, Object> m = thread(p.thread());
        m.put("waitsOn", p.waitsOn().name());
        m.put("holds", p.holds());
        m.put("waitsFor", p.waitsFor());
        m.put("waitsForThreadId", p.waitsForThreadId());
        return m;
    }

    private static Map<String, Object> thread(ThreadSnapshot t) {
        return thread(t.name(), t.id());
    }

    private static Map<String, Object> thread(String name, long id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("id", id);
        return m;
    }
}
