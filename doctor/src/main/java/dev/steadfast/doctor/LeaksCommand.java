package dev.steadfast.doctor;

import dev.steadfast.diagnostics.HeapDumps;
import dev.steadfast.leak.ClassHistogramTrend;
import dev.steadfast.leak.ClassRetention;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code steadfast-doctor leaks <pid>}: what is growing in this JVM, and who holds it. Samples the class histogram and
 * the threads for {@code --duration}, every {@code --interval}, fits HeapGrowthDetector's statistics over time, and
 * reports growing classes (rate per minute with its confidence interval), thread growth per name pattern and a
 * verdict. {@code --heap-dump} then dumps the heap and names, with Shark, who holds the top growing classes'
 * instances. Exit code 1 when something grows.
 *
 * <pre>{@code
 * $ java -jar steadfast-doctor.jar leaks 4242 --duration 2m --interval 10s --heap-dump
 * }</pre>
 */
@Command(name = "leaks", mixinStandardHelpOptions = true,
        description = "Finds what grows in a JVM: classes (rate/min with confidence bound), threads per name"
                + " pattern, a verdict; --heap-dump names who holds the growing classes' instances.")
final class LeaksCommand implements Callable<Integer> {

    static final String DEFAULT_DURATION = "2m";
    static final String DEFAULT_INTERVAL = "10s";
    /** Growing classes whose retention path is looked up in the heap dump. */
    static final int RETENTION_CLASSES = 3;
    /** Growing classes listed. */
    static final int DEFAULT_TOP = 10;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PID", description = "process id of the JVM (see: list)")
    private long pid;

    @Option(names = "--duration", defaultValue = DEFAULT_DURATION, converter = DurationConverter.class,
            description = "how long to sample (default ${DEFAULT-VALUE})")
    private Duration duration;

    @Option(names = "--interval", defaultValue = DEFAULT_INTERVAL, converter = DurationConverter.class,
            description = "time between samples (default ${DEFAULT-VALUE}); at least "
                    + ClassHistogramTrend.MIN_SAMPLES + " samples are needed")
    private Duration interval;

    @Option(names = "--no-gc", description = "count every object without the full GC GC.class_histogram runs before"
            + " each sample (no pause; garbage is counted too, so growth is less clear)")
    private boolean noGc;

    @Option(names = "--threshold", defaultValue = "" + ClassHistogramTrend.DEFAULT_THRESHOLD_BYTES_PER_MINUTE,
            description = "growth in bytes/minute tolerated at the lower confidence bound (default ${DEFAULT-VALUE})")
    private double threshold;

    @Option(names = "--top", defaultValue = "" + DEFAULT_TOP, description = "growing classes listed (default"
            + " ${DEFAULT-VALUE})")
    private int top;

    @Option(names = "--heap-dump", description = "at the end, dump the heap (live objects; stop-the-world) and name"
            + " who holds the top growing classes' instances")
    private boolean heapDump;

    @Option(names = "--keep-dump", description = "keep the heap dump (deleted after analysis otherwise)")
    private boolean keepDump;

    @Option(names = "--dump-dir", paramLabel = "DIR", description = "where the heap dump is written (by the target"
            + " JVM; default: the temporary directory, ${DEFAULT-VALUE})", defaultValue = "${sys:java.io.tmpdir}")
    private Path dumpDir;

    @Option(names = "--json", description = "print the findings as JSON instead of text")
    private boolean json;

    @Override
    public Integer call() throws InterruptedException {
        int samples = validate();
        PrintWriter err = spec.commandLine().getErr();
        LeakSampling.Result result;
        List<ClassRetention> retention = List.of();
        String target;
        Duration uptimeAtStart;
        Path dump = null;
        try (AttachedJvm jvm = AttachedJvm.attach(pid)) {
            uptimeAtStart = jvm.uptime();
            target = "pid " + pid + " (" + jvm.mainClass() + ", " + jvm.description() + ")";
            err.println("Sampling " + target + " every " + DurationConverter.format(interval) + " for "
                    + DurationConverter.format(interval.multipliedBy(samples - 1L)) + ": " + samples + " samples"
                    + " after one warm-up.");
            err.println(noGc
                    ? "--no-gc: each sample counts every object in the heap without collecting (no pause, garbage"
                            + " counted too)."
                    : "Each sample runs GC.class_histogram, which forces a FULL, STOP-THE-WORLD GC in the target"
                            + " (use --no-gc to count without collecting).");
            result = new LeakSampling(jvm, samples, interval, !noGc, threshold)
                    .run(progress -> err.println(LeakText.progressLine(progress)));
            List<String> suspects = suspects(result);
            if (heapDump && !suspects.isEmpty()) {
                dump = dumpDir.toAbsolutePath().resolve("steadfast-doctor-" + pid + "-" + System.currentTimeMillis()
                        + HeapDumps.SUFFIX);
                err.println("Dumping the heap to " + dump + ": the target stops (STOP-THE-WORLD) for a full GC and"
                        + " while it writes its live objects.");
                try {
                    HeapDumps.dumpLive(jvm.connection(), dump);
                } catch (IOException | RuntimeException e) {
                    deleteQuietly(dump);
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                            && !(e instanceof java.rmi.RemoteException)) {
                        throw new DoctorException(ExitCode.DUMP_DIR_UNWRITABLE, "pid " + pid + " could not write the"
                                + " heap dump " + dump + ": " + AttachedJvm.oneLine(e) + " (choose a --dump-dir its"
                                + " user can write)", e);
                    }
                    throw jvm.gone(e);
                }
            } else if (heapDump) {
                err.println("No class grows: no heap dump taken.");
            }
        }
        try {
            if (dump != null) {
                err.println("Finding who holds " + String.join(", ", suspects(result)) + " in the dump (Shark).");
                retention = ClassRetention.find(dump, suspects(result));
            }
        } catch (IOException e) {
            throw new DoctorException(ExitCode.FAILED, "the heap dump " + dump + " could not be analysed: "
                    + AttachedJvm.oneLine(e), e);
        } finally {
            if (dump != null && !keepDump) {
                deleteQuietly(dump);
            } else if (dump != null) {
                err.println("Heap dump kept: " + dump);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(LeakText.toJson(target, result, retention, top, uptimeAtStart)));
        } else {
            out.print(LeakText.render(target, result, retention, top, noGc, uptimeAtStart));
        }
        return result.growing() ? ExitCode.FOUND.code() : ExitCode.CLEAN.code();
    }

    /** Every problem of the command line at once; the number of samples when there is none. */
    private int validate() {
        List<String> problems = new ArrayList<>();
        long samples = duration.toNanos() / interval.toNanos() + 1;
        if (samples < ClassHistogramTrend.MIN_SAMPLES) {
            problems.add("--duration " + DurationConverter.format(duration) + " with --interval "
                    + DurationConverter.format(interval) + " gives " + samples + " samples; at least "
                    + ClassHistogramTrend.MIN_SAMPLES + " are needed (lengthen --duration or shorten --interval)");
        }
        if (samples > 10_000) {
            problems.add("--duration / --interval gives " + samples + " samples; at most 10000");
        }
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            problems.add("--threshold must be a number of bytes per minute, 0 or more: " + threshold);
        }
        if (top < 1) {
            problems.add("--top must be at least 1: " + top);
        }
        if (keepDump && !heapDump) {
            problems.add("--keep-dump needs --heap-dump");
        }
        if (!problems.isEmpty()) {
            throw new DoctorException(ExitCode.USAGE, String.join("; ", problems));
        }
        if (heapDump) {
            checkDumpDir();
        }
        return (int) samples;
    }

    private void checkDumpDir() {
        Path dir = dumpDir.toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            throw new DoctorException(ExitCode.DUMP_DIR_UNWRITABLE, "--dump-dir " + dir + " is not a directory;"
                    + " create it or choose another (checked before sampling, so no time is lost)");
        }
        if (!Files.isWritable(dir)) {
            throw new DoctorException(ExitCode.DUMP_DIR_UNWRITABLE, "--dump-dir " + dir + " is not writable by this"
                    + " user; choose a directory the target JVM's user can write, e.g. --dump-dir /tmp");
        }
    }

    /**
     * The growing classes whose holders are looked up: the application's own classes first (a leaked
     * {@code Session} has one holder; the {@code byte[]} and map nodes it drags along share theirs with everything
     * else in the heap), then the others, by byte growth.
     */
    static List<String> suspects(LeakSampling.Result result) {
        List<String> names = new ArrayList<>();
        for (boolean ownClasses : new boolean[] {true, false}) {
            for (ClassHistogramTrend.Growth growth : result.heap().growing()) {
                if (names.size() < RETENTION_CLASSES && isPlatformClass(growth.name()) != ownClasses
                        && !names.contains(growth.name())) {
                    names.add(growth.name());
                }
            }
        }
        return names;
    }

    static boolean isPlatformClass(String className) {
        return className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("jdk.")
                || className.startsWith("sun.") || className.startsWith("com.sun.") || !className.contains(".");
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Reported by the line saying where the dump is; nothing else to do about it.
        }
    }
}
