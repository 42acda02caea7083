package dev.steadfast.bench;

import dev.steadfast.bench.leak.HeapDumpDiff;
import dev.steadfast.bench.leak.LibraryCorpus;
import dev.steadfast.bench.leak.Medians;
import dev.steadfast.junit.corpus.Corpus;
import dev.steadfast.junit.corpus.GrowthProbes;
import dev.steadfast.junit.corpus.OverheadFixtures;
import dev.steadfast.junit.corpus.Scenario;
import dev.steadfast.leak.HeapGrowthDetector;
import dev.steadfast.leak.LeakDetector;
import dev.steadfast.leak.LeakReport;
import dev.steadfast.leak.LeakScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;

/**
 * Accuracy and cost of {@code @LeakFree} / {@code @NoHeapGrowth}, measured on the junit module's corpus (its test
 * jar), side by side with diffing two heap dumps with Shark.
 *
 * <ol>
 *   <li>false positives: every JDK-only clean look-alike, {@value #DEFAULT_CLEAN_REPEATS} times each, through the
 *       test kit in this JVM;
 *   <li>missed: every JDK-only leaky scenario, {@value #DEFAULT_LEAKY_REPEATS} times each; a run counts as missed
 *       unless the test fails and its message names what holds the leak (the library scenarios need their test
 *       class path - AssertJ, an MDC-capable SLF4J provider - so they run in JVMs of their own, last item);
 *   <li>smallest growth {@code @NoHeapGrowth(iterations = 1000)} detects: probes leaking one object of 16..64 bytes
 *       per iteration, {@value #DEFAULT_PROBE_REPEATS} runs each; a size counts when every run detects it;
 *   <li>time to verdict on the 32-byte probe, and the same probe judged by two live heap dumps diffed with Shark;
 *   <li>what the default checks cost a clean test: an empty scope opened and checked in a loop, and 500 trivial tests
 *       with and without {@code @LeakFree} through the engine;
 *   <li>the library corpus (real SLF4J, Jackson, Netty) in JVMs of its own, one shared and one per test class, on
 *       JUnit 6 and on the newest JUnit 5 ({@link LibraryCorpus}): false positives and misses.
 * </ol>
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=leak
 * mvn -q -Pbench verify -Dbench=leak -Dbench.jvmArgs="-Xmx4g -Dsteadfast.bench.leak.repeats=5"   # quicker
 * mvn -q -Pbench verify -Dbench="leak --libraries-only"                                             # library corpus
 * }</pre>
 */
public final class LeakBench {

    /** Runs of each clean scenario. */
    static final int DEFAULT_CLEAN_REPEATS = 50;
    /** Runs of each leaky scenario. */
    static final int DEFAULT_LEAKY_REPEATS = 3;
    /** Runs of each growth probe. */
    static final int DEFAULT_PROBE_REPEATS = 3;
    /** Overrides {@link #DEFAULT_CLEAN_REPEATS} for a quick run. */
    static final String REPEATS_PROPERTY = "steadfast.bench.leak.repeats";
    /** Argument that runs only the library corpus: {@code -Dbench="leak --libraries-only"}. */
    static final String LIBRARIES_ONLY = "--libraries-only";
    /** JVMs started per library scenario in the one-JVM-per-class mode. */
    static final int LIBRARY_PER_CLASS_ROUNDS = 2;

    private static final int DIFF_REPEATS = 3;
    private static final int SCOPE_LOOPS = 20_000;

    private LeakBench() {
    }

    /**
     * Entry point.
     *
     * @param args ignored
     * @throws Exception if a measurement cannot run
     */
    public static void main(String[] args) throws Exception {
        int cleanRepeats = Integer.getInteger(REPEATS_PROPERTY, DEFAULT_CLEAN_REPEATS);
        System.out.printf(Locale.ROOT, "LeakBench on Java %s, %d CPUs, max heap %d MB%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        boolean librariesOnly = List.of(args).contains(LIBRARIES_ONLY);
        LibraryCorpus.Outcome libraries = libraryCorpus(cleanRepeats);
        if (librariesOnly) {
            printLibraries(libraries);
            return;
        }

        int falsePositives = cleanScenarios(cleanRepeats);
        int missed = leakyScenarios();
        ProbeOutcome probes = growthProbes();
        double diffMillis = heapDumpDiff(probes.verdictMillis32);
        overhead();

        printLibraries(libraries);
        System.out.printf(Locale.ROOT, "BENCH leak false_positives=%d missed=%d min_detected_bytes_per_iter=%d "
                        + "verdict_ms=%.0f heapdump_diff_ms=%.0f%n", falsePositives, missed,
                probes.minDetectedBytes, probes.verdictMillis32, diffMillis);
    }

    private static LibraryCorpus.Outcome libraryCorpus(int cleanRepeats) throws Exception {
        int perClassRounds = Math.max(1, Math.min(LIBRARY_PER_CLASS_ROUNDS, cleanRepeats));
        System.out.printf(Locale.ROOT, "%n== Library corpus (SLF4J MDC, Jackson, Netty, library singleton threads) in "
                + "JVMs of its own, JUnit 6 and JUnit 5%n");
        Path here = Path.of(System.getProperty("user.dir"));
        Path root = Files.isDirectory(here.resolve("junit5-compat")) ? here : here.getParent();
        return LibraryCorpus.measure(root, cleanRepeats, perClassRounds);
    }

    private static void printLibraries(LibraryCorpus.Outcome outcome) {
        System.out.printf(Locale.ROOT, "BENCH leak-libraries clean_runs=%d false_positives=%d leaky_runs=%d missed=%d "
                        + "junit5=%s%n", outcome.cleanRuns(), outcome.falsePositives(), outcome.leakyRuns(),
                outcome.missed(), outcome.junit5Ok() ? "ok" : "FAILED");
    }

    private static int cleanScenarios(int repeats) {
        System.out.printf(Locale.ROOT, "%n== Clean look-alikes, %d runs each (false positives, goal 0)%n", repeats);
        int falsePositives = 0;
        for (Scenario scenario : Corpus.jdkOnlyClean()) {
            int wrong = 0;
            double[] millis = new double[repeats];
            String firstFailure = null;
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                Corpus.Verdict verdict = Corpus.verdict(scenario, Corpus.run(scenario.fixture()));
                millis[i] = (System.nanoTime() - start) / 1e6;
                if (!verdict.correct()) {
                    wrong++;
                    firstFailure = firstFailure == null ? verdict.message() : firstFailure;
                }
            }
            falsePositives += wrong;
            System.out.printf(Locale.ROOT, "  %-40s false positives %2d/%d   median %7.1f ms%n", scenario.name(), wrong,
                    repeats, Medians.of(millis));
            if (firstFailure != null) {
                System.out.println(indent(firstFailure));
            }
        }
        return falsePositives;
    }

    private static int leakyScenarios() {
        System.out.printf(Locale.ROOT,
                "%n== Leaky scenarios, %d runs each (missed = not failed, or holder not named)%n",
                DEFAULT_LEAKY_REPEATS);
        int missed = 0;
        for (Scenario scenario : Corpus.jdkOnlyLeaky()) {
            int wrong = 0;
            double[] millis = new double[DEFAULT_LEAKY_REPEATS];
            String lastMessage = "";
            for (int i = 0; i < DEFAULT_LEAKY_REPEATS; i++) {
                long start = System.nanoTime();
                Corpus.Verdict verdict = Corpus.verdict(scenario, Corpus.run(scenario.fixture()));
                millis[i] = (System.nanoTime() - start) / 1e6;
                if (!verdict.correct()) {
                    wrong++;
                    lastMessage = verdict.message();
                }
            }
            missed += wrong;
            System.out.printf(Locale.ROOT, "  %-40s missed %d/%d   median %7.1f ms   names %s%n", scenario.name(),
                    wrong, DEFAULT_LEAKY_REPEATS, Medians.of(millis), scenario.expectedInMessage());
            if (wrong > 0) {
                System.out.println(indent(lastMessage));
            }
        }
        return missed;
    }

    /** What the growth probes found. */
    private record ProbeOutcome(int minDetectedBytes, double verdictMillis32) {
    }

    private static ProbeOutcome growthProbes() {
        System.out.printf(Locale.ROOT, "%n== @NoHeapGrowth(iterations = 1000), one leaked long[] per iteration "
                + "(warm-up %d, threshold %.0f B/iteration)%n", HeapGrowthDetector.DEFAULT_WARMUP_ITERATIONS,
                HeapGrowthDetector.DEFAULT_THRESHOLD_BYTES_PER_ITERATION);
        Map<String, Integer> detected = new TreeMap<>();
        Map<String, double[]> millis = new TreeMap<>();
        for (int run = 0; run < DEFAULT_PROBE_REPEATS; run++) {
            EngineExecutionResults results = Corpus.run(GrowthProbes.LeaksOneArrayPerIteration.class);
            for (Event event : results.testEvents().finished().list()) {
                String bytes = event.getTestDescriptor().getDisplayName();
                TestExecutionResult result = event.getRequiredPayload(TestExecutionResult.class);
                boolean growing = result.getThrowable().map(Throwable::getMessage)
                        .filter(message -> message.startsWith("Heap GROWS")).isPresent();
                detected.merge(bytes, growing ? 1 : 0, Integer::sum);
                millis.computeIfAbsent(bytes, key -> new double[DEFAULT_PROBE_REPEATS])[run] =
                        results.testEvents().started().list().stream()
                                .filter(started -> started.getTestDescriptor().equals(event.getTestDescriptor()))
                                .findFirst()
                                .map(started -> Duration.between(started.getTimestamp(), event.getTimestamp())
                                        .toNanos() / 1e6)
                                .orElse(Double.NaN);
            }
        }
        int minDetected = -1;
        List<Integer> sizes = new ArrayList<>(GrowthProbes.BYTES_PER_ITERATION);
        // Largest first, so "smallest detected" means every size from there up was detected in every run too.
        Collections.reverse(sizes);
        boolean allLargerDetected = true;
        for (int bytes : sizes) {
            String key = String.valueOf(bytes);
            int hits = detected.getOrDefault(key, 0);
            System.out.printf(Locale.ROOT, "  %3d bytes/iteration: detected %d/%d   median verdict %7.1f ms%n", bytes,
                    hits, DEFAULT_PROBE_REPEATS, Medians.of(millis.getOrDefault(key, new double[0])));
            allLargerDetected &= hits == DEFAULT_PROBE_REPEATS;
            if (allLargerDetected) {
                minDetected = bytes;
            }
        }
        return new ProbeOutcome(minDetected, Medians.of(millis.getOrDefault("32", new double[0])));
    }

    private static double heapDumpDiff(double verdictMillis) throws Exception {
        System.out.printf(Locale.ROOT, "%n== Same 32-byte leak (one long[2] per iteration) judged by two live heap "
                + "dumps diffed with Shark%n");
        double[] millis = new double[DIFF_REPEATS];
        Map<String, Long> found = new TreeMap<>();
        for (int i = 0; i < DIFF_REPEATS; i++) {
            List<long[]> held = new ArrayList<>();
            HeapDumpDiff.Result result = HeapDumpDiff.measure(HeapGrowthDetector.DEFAULT_WARMUP_ITERATIONS, 1_000,
                    iteration -> held.add(new long[2]));
            millis[i] = result.elapsedMillis();
            found = new TreeMap<>(result.growingClasses());
            held.clear();
        }
        double median = Medians.of(millis);
        System.out.printf(Locale.ROOT,
                "  heap-dump diff: median %.0f ms, classes grown by >= 1 instance/iteration: %s%n", median, found);
        System.out.printf(Locale.ROOT, "  @NoHeapGrowth verdict: median %.0f ms (heap-dump diff / @NoHeapGrowth = "
                + "%.2f); the diff names classes by instance count only, with no slope or confidence bound%n",
                verdictMillis, median / verdictMillis);
        return median;
    }

    private static void overhead() {
        System.out.printf(Locale.ROOT, "%n== Cost of the default checks on a clean test (goal <= 1 ms)%n");
        LeakDetector detector = LeakDetector.ofDefaults();
        double[] micros = new double[SCOPE_LOOPS];
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < SCOPE_LOOPS; i++) {
                long start = System.nanoTime();
                try (LeakScope scope = detector.open("empty scope")) {
                    LeakReport report = scope.check();
                    if (!report.isClean()) {
                        throw new IllegalStateException("empty scope reported a leak:\n" + report);
                    }
                }
                micros[i] = (System.nanoTime() - start) / 1e3;
            }
        }
        System.out.printf(Locale.ROOT, "  open + check + close of an empty scope: median %.1f us, p99 %.1f us "
                        + "(%d loops after as many warm-up)%n", Medians.of(micros), Medians.quantile(micros, 0.99),
                SCOPE_LOOPS);

        int rounds = 7;
        double[] perTestMicros = new double[rounds];
        double[] plainMillis = new double[rounds];
        double[] leakFreeMillis = new double[rounds];
        for (int round = 0; round < rounds + 1; round++) {
            long start = System.nanoTime();
            Corpus.run(OverheadFixtures.Plain.class);
            long plain = System.nanoTime() - start;
            start = System.nanoTime();
            EngineExecutionResults results = Corpus.run(OverheadFixtures.WithLeakFree.class);
            long leakFree = System.nanoTime() - start;
            if (results.testEvents().succeeded().count() != OverheadFixtures.TESTS) {
                throw new IllegalStateException("trivial @LeakFree tests did not all pass: "
                        + results.testEvents().failed().list());
            }
            if (round > 0) {
                plainMillis[round - 1] = plain / 1e6;
                leakFreeMillis[round - 1] = leakFree / 1e6;
                perTestMicros[round - 1] = (leakFree - plain) / 1e3 / OverheadFixtures.TESTS;
            }
        }
        System.out.printf(Locale.ROOT, "  %d trivial tests through the engine: plain median %.0f ms, @LeakFree median "
                        + "%.0f ms -> %.1f us per test (median of %d rounds)%n", OverheadFixtures.TESTS,
                Medians.of(plainMillis), Medians.of(leakFreeMillis), Medians.of(perTestMicros), rounds);
    }

    private static String indent(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n")) {
            out.append("      | ").append(line).append('\n');
        }
        return out.toString().stripTrailing();
    }
}
