package dev.steadfast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.bench.doctor.HangServiceMain;
import dev.steadfast.bench.doctor.LeakingServiceMain;
import dev.steadfast.bench.leak.HeapDumpDiff;
import dev.steadfast.bench.leak.Medians;
import dev.steadfast.doctor.Doctor;
import dev.steadfast.leak.ClassHistogram;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code steadfast doctor} side by side with what a user does today, on the same target JVMs (children of this one):
 *
 * <ol>
 *   <li>hang: wall time of {@code doctor hang <pid> --samples 1} on a monitor deadlock among 200 idle threads (median
 *       of {@value #HANG_RUNS}), next to {@code jstack -l}; and whether each names a class-initialization deadlock;
 *   <li>leak: targets leaking 1024, 256, 64, 32 and 16 bytes per second next to a wandering cache and request list,
 *       sampled for {@value #LEAK_WINDOW_SECONDS} s every {@value #LEAK_INTERVAL_SECONDS} s, all at once: the smallest
 *       rate whose verdict is GROWING with the leaking class named, and when the running verdict first said so at
 *       1 KB/s; and the same service without its leak (churn only), where every verdict must say no growth;
 *   <li>what a user does instead on a 1 KB/s target: two {@code jcmd GC.class_histogram} snapshots 60 s apart diffed
 *       by hand, and two {@code jcmd GC.heap_dump}s diffed with Shark (instance counts per class); a false culprit is
 *       a class among the top {@value #TOP_CULPRITS} increases that the leak does not add to.
 * </ol>
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=doctor
 * }</pre>
 */
public final class DoctorBench {

    static final int HANG_RUNS = 5;
    static final int LEAK_WINDOW_SECONDS = 60;
    static final int LEAK_INTERVAL_SECONDS = 5;
    static final int TOP_CULPRITS = 10;
    static final int[] RATES = {1024, 256, 64, 32, 16};

    private static final Pattern GROWING_AT = Pattern.compile("^\\[ *\\d+/\\d+ +(\\S+)\\].*running verdict: GROWING",
            Pattern.MULTILINE);
    private static final ObjectMapper JSON = new ObjectMapper();

    private DoctorBench() {
    }

    /** One doctor run. */
    private record Run(int code, String out, String err, long millis) {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "doctor benchmark, JDK %s, load average %.2f (shared machine)%n",
                Runtime.version(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        ExecutorService background = Executors.newFixedThreadPool(RATES.length + 2, r -> {
            Thread thread = new Thread(r, "doctor-bench-leak");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Run>> leakRuns = new ArrayList<>();
            for (int rate : RATES) {
                leakRuns.add(background.submit(() -> leakRun(rate)));
            }
            Future<Run> clean = background.submit(() -> leakRun(0));
            Future<long[]> manual = background.submit(DoctorBench::manualDiffs);
            double[] hang = hang();
            long leakMin = -1;
            double verdictSeconds = Double.NaN;
            long doctorFalse = -1;
            for (int i = 0; i < RATES.length; i++) {
                Run run = leakRuns.get(i).get(LEAK_WINDOW_SECONDS * 5L, TimeUnit.SECONDS);
                JsonNode report = JSON.readTree(run.out());
                List<String> growing = new ArrayList<>();
                report.get("growingClasses").forEach(c -> growing.add(c.get("name").asText()));
                boolean found = run.code() == 1 && growing.contains(LeakingServiceMain.class.getName() + "$Session");
                System.out.printf(Locale.ROOT, "leak %5d B/s: exit %d, growing %s%n", RATES[i], run.code(), growing);
                if (found) {
                    leakMin = RATES[i];
                }
                if (RATES[i] == 1024) {
                    Matcher first = GROWING_AT.matcher(run.err());
                    verdictSeconds = first.find() ? seconds(first.group(1)) : Double.NaN;
                    doctorFalse = growing.stream().filter(c -> !LeakingServiceMain.LEAK_CLASSES.contains(c)).count();
                }
            }
            Run cleanRun = clean.get(LEAK_WINDOW_SECONDS * 5L, TimeUnit.SECONDS);
            int cleanGrowing = JSON.readTree(cleanRun.out()).get("growing").asBoolean() ? 1 : 0;
            int cleanRunningGrowing = cleanRun.err().contains("running verdict: GROWING") ? 1 : 0;
            System.out.printf(Locale.ROOT, "no leak (churn only): exit %d, running verdict ever GROWING: %s%n",
                    cleanRun.code(), cleanRunningGrowing == 1);
            long[] diffs = manual.get(LEAK_WINDOW_SECONDS * 5L, TimeUnit.SECONDS);
            System.out.printf(Locale.ROOT, "BENCH doctor hang_ms=%.0f jstack_ms=%.0f doctor_finds_class_init=%d"
                    + " jstack_finds_class_init=%d leak_min_bytes_per_s=%d leak_verdict_s=%.0f"
                    + " doctor_false_culprits=%d histogram_diff_false_culprits=%d shark_diff_false_culprits=%d"
                    + " shark_diff_ms=%d no_leak_growing=%d no_leak_running_growing=%d%n", hang[0], hang[1],
                    (long) hang[2], (long) hang[3], leakMin, verdictSeconds, doctorFalse, diffs[0], diffs[1], diffs[2],
                    cleanGrowing, cleanRunningGrowing);
        } finally {
            background.shutdownNow();
        }
    }

    /** {median doctor ms, median jstack ms, doctor finds class-init deadlock, jstack does}. */
    private static double[] hang() throws Exception {
        double[] doctor = new double[HANG_RUNS];
        double[] jstack = new double[HANG_RUNS];
        try (Child target = Child.start(HangServiceMain.class, "monitor")) {
            doctor("hang", target.pid(), "--samples", "1");
            for (int i = 0; i < HANG_RUNS; i++) {
                Run run = doctor("hang", target.pid(), "--samples", "1");
                require(run.code() == 1, "doctor hang missed the monitor deadlock: " + run.err());
                doctor[i] = run.millis();
                long start = System.nanoTime();
                String text = jdkTool("jstack", "-l", target.pid());
                jstack[i] = (System.nanoTime() - start) / 1e6;
                require(text.contains("Found one Java-level deadlock"), "jstack missed the monitor deadlock");
            }
        }
        int doctorClassInit;
        int jstackClassInit;
        try (Child target = Child.start(HangServiceMain.class, "class-init")) {
            Run run = doctor("hang", target.pid(), "--samples", "1");
            doctorClassInit = run.code() == 1 && run.out().contains("CLASS_INITIALIZATION deadlock") ? 1 : 0;
            jstackClassInit = jdkTool("jstack", "-l", target.pid()).contains("deadlock") ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "hang: doctor %.0f ms, jstack -l %.0f ms (medians of %d)%n",
                Medians.of(doctor), Medians.of(jstack), HANG_RUNS);
        return new double[] {Medians.of(doctor), Medians.of(jstack), doctorClassInit, jstackClassInit};
    }

    private static Run leakRun(int rate) throws Exception {
        try (Child target = Child.start(LeakingServiceMain.class, Integer.toString(rate))) {
            return doctor("leaks", target.pid(), "--duration", LEAK_WINDOW_SECONDS + "s", "--interval",
                    LEAK_INTERVAL_SECONDS + "s", "--json");
        }
    }

    /** {histogram-diff false culprits, Shark-diff false culprits, Shark analysis ms} on a 1 KB/s target. */
    private static long[] manualDiffs() throws Exception {
        Path directory = Files.createTempDirectory("doctor-bench-");
        try (Child target = Child.start(LeakingServiceMain.class, "1024")) {
            Thread.sleep(5_000);
            String before = jdkTool("jcmd", target.pid(), "GC.class_histogram");
            Path dumpBefore = directory.resolve("before.hprof");
            jdkTool("jcmd", target.pid(), "GC.heap_dump", dumpBefore.toString());
            Thread.sleep(LEAK_WINDOW_SECONDS * 1000L);
            String after = jdkTool("jcmd", target.pid(), "GC.class_histogram");
            Path dumpAfter = directory.resolve("after.hprof");
            jdkTool("jcmd", target.pid(), "GC.heap_dump", dumpAfter.toString());
            List<String> histogramTop = new ArrayList<>();
            ClassHistogram.parse(after).diff(ClassHistogram.parse(before)).stream()
                    .filter(d -> d.bytes() > 0).limit(TOP_CULPRITS).forEach(d -> histogramTop.add(d.className()));
            long start = System.nanoTime();
            Map<String, Long> countsBefore = HeapDumpDiff.instanceCounts(dumpBefore);
            Map<String, Long> countsAfter = HeapDumpDiff.instanceCounts(dumpAfter);
            long sharkMillis = (System.nanoTime() - start) / 1_000_000;
            List<String> sharkTop = countsAfter.entrySet().stream()
                    .filter(e -> e.getValue() > countsBefore.getOrDefault(e.getKey(), 0L))
                    .sorted(Comparator.comparingLong((Map.Entry<String, Long> e) ->
                            countsBefore.getOrDefault(e.getKey(), 0L) - e.getValue()))
                    .limit(TOP_CULPRITS).map(Map.Entry::getKey).toList();
            System.out.println("histogram diff top " + TOP_CULPRITS + ": " + histogramTop);
            System.out.println("Shark dump diff top " + TOP_CULPRITS + ": " + sharkTop);
            return new long[] {falseCulprits(histogramTop), falseCulprits(sharkTop), sharkMillis};
        } finally {
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(directory);
        }
    }

    private static long falseCulprits(List<String> classes) {
        return classes.stream().filter(c -> !LeakingServiceMain.LEAK_CLASSES.contains(c)
                && !c.equals(LeakingServiceMain.class.getName() + ".Session")).count();
    }

    private static Run doctor(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int code = Doctor.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString(), (System.nanoTime() - start) / 1_000_000);
    }

    private static String jdkTool(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        require(process.waitFor(120, TimeUnit.SECONDS), tool + " did not finish");
        return text;
    }

    private static double seconds(String formatted) {
        if (formatted.endsWith("ms")) {
            return Double.parseDouble(formatted.substring(0, formatted.length() - 2)) / 1000;
        }
        Matcher m = Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(formatted);
        if (!m.matches()) {
            return Double.NaN;
        }
        return (m.group(1) == null ? 0 : Integer.parseInt(m.group(1)) * 60)
                + (m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /** A target JVM started from this classpath; closing kills it. */
    private static final class Child implements AutoCloseable {
        private final Process process;

        private Child(Process process) {
            this.process = process;
        }

        static Child start(Class<?> main, String argument) throws IOException {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp",
                    System.getProperty("java.class.path"), main.getName(), argument)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] ready = new byte[6];
            int read = process.getInputStream().readNBytes(ready, 0, ready.length);
            require(read == ready.length && new String(ready, StandardCharsets.UTF_8).equals("READY\n"),
                    main.getSimpleName() + " did not start");
            return new Child(process);
        }

        String pid() {
            return Long.toString(process.pid());
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
