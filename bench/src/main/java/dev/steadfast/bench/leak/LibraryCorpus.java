package dev.steadfast.bench.leak;

import dev.steadfast.junit.corpus.Corpus;
import dev.steadfast.junit.corpus.Scenario;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The library corpus (real SLF4J MDC, Jackson, Netty scenarios and their look-alikes) run in JVMs of their own, the
 * way build tools run suites: one shared JVM for all of them, and one JVM per test class; each on JUnit 6 (the junit
 * module's test class path) and on the newest JUnit 5 (junit5-compat's). Class paths come from the files those
 * modules' builds write ({@code target/corpus-classpath.txt}).
 *
 * <pre>{@code
 * LibraryCorpus.Outcome outcome = LibraryCorpus.measure(Path.of(".."), 20, 2);
 * }</pre>
 */
public final class LibraryCorpus {

    private static final String OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    private static final long CHILD_TIMEOUT_MINUTES = 10;

    private LibraryCorpus() {
    }

    /**
     * Totals over every JUnit line and mode.
     *
     * @param cleanRuns      runs of clean scenarios
     * @param falsePositives clean runs that failed
     * @param leakyRuns      runs of leaky scenarios
     * @param missed         leaky runs that passed or did not name the holder
     * @param junit5Ok       whether every JUnit 5 run judged correctly
     */
    public record Outcome(int cleanRuns, int falsePositives, int leakyRuns, int missed, boolean junit5Ok) {
    }

    /**
     * Runs the corpus in every mode and prints one line per JUnit line and mode.
     *
     * @param root           the project's root directory (holding {@code junit/} and {@code junit5-compat/})
     * @param sharedRuns     runs of each clean scenario in the shared JVM
     * @param perClassRounds JVMs started per scenario in the one-JVM-per-class mode
     * @return the totals
     */
    public static Outcome measure(Path root, int sharedRuns, int perClassRounds) throws IOException,
            InterruptedException {
        List<String> names = new ArrayList<>();
        for (Scenario scenario : Corpus.libraryClean()) {
            names.add(scenario.fixture().getSimpleName());
        }
        for (Scenario scenario : Corpus.libraryLeaky()) {
            names.add(scenario.fixture().getSimpleName());
        }
        Tally total = new Tally();
        boolean junit5Ok = true;
        for (String line : List.of("JUnit 6", "JUnit 5")) {
            String classPath = classPath(root, line);
            Tally shared = new Tally();
            long start = System.nanoTime();
            shared.add(runChild(classPath, List.of(String.valueOf(sharedRuns), "library")));
            print(line, "one shared JVM, " + sharedRuns + " runs per clean scenario", shared, start);
            Tally perClass = new Tally();
            start = System.nanoTime();
            for (int round = 0; round < perClassRounds; round++) {
                for (String name : names) {
                    perClass.add(runChild(classPath, List.of("1", name)));
                }
            }
            print(line, "one JVM per class, " + perClassRounds + " JVMs per scenario", perClass, start);
            total.add(shared);
            total.add(perClass);
            if (line.equals("JUnit 5")) {
                junit5Ok = shared.falsePositives + shared.missed + perClass.falsePositives + perClass.missed == 0
                        && shared.cleanRuns > 0 && perClass.leakyRuns > 0;
            }
        }
        return new Outcome(total.cleanRuns, total.falsePositives, total.leakyRuns, total.missed, junit5Ok);
    }

    private static void print(String line, String mode, Tally tally, long start) {
        System.out.printf(Locale.ROOT, "  %-8s %-45s clean runs %4d  false positives %d   leaky runs %3d  missed %d"
                        + "   (%.0f s)%n", line, mode, tally.cleanRuns, tally.falsePositives, tally.leakyRuns,
                tally.missed, (System.nanoTime() - start) / 1e9);
        tally.wrong.forEach(System.out::println);
    }

    private static String classPath(Path root, String line) throws IOException {
        if (line.equals("JUnit 6")) {
            Path target = root.resolve("junit/target");
            // The junit module's own classes and its test classes (the corpus) come first, then its test class path.
            return target.resolve("classes") + java.io.File.pathSeparator + target.resolve("test-classes")
                    + java.io.File.pathSeparator + read(target.resolve("corpus-classpath.txt"));
        }
        return read(root.resolve("junit5-compat/target/corpus-classpath.txt"));
    }

    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: it is written when the junit and junit5-compat "
                    + "modules are built; run the bench from the project root with mvn -q -Pbench verify -Dbench=leak");
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    private static Tally runChild(String classPath, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), OPENS, "-Xmx512m", "-cp", classPath, "dev.steadfast.junit.corpus.CorpusRunner"));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Tally tally = new Tally();
        List<String> pending = new ArrayList<>();
        List<String> other = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String text;
            while ((text = reader.readLine()) != null) {
                if (text.startsWith("VERDICT ")) {
                    String[] parts = text.split(" ");
                    boolean leaky = parts[2].equals("leaky");
                    boolean correct = parts[3].equals("correct");
                    if (leaky) {
                        tally.leakyRuns++;
                        tally.missed += correct ? 0 : 1;
                    } else {
                        tally.cleanRuns++;
                        tally.falsePositives += correct ? 0 : 1;
                    }
                    if (!correct) {
                        pending.add("    " + text);
                    }
                } else if (text.startsWith("    | ")) {
                    pending.add("  " + text);
                } else {
                    other.add(text);
                }
            }
        }
        if (!process.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("corpus JVM did not end within " + CHILD_TIMEOUT_MINUTES + " min: "
                    + args);
        }
        if (process.exitValue() != 0 || tally.cleanRuns + tally.leakyRuns == 0) {
            throw new UncheckedIOException(new IOException("corpus JVM " + args + " exited with "
                    + process.exitValue() + " after " + (tally.cleanRuns + tally.leakyRuns) + " verdicts; its last "
                    + "output:\n" + String.join("\n", other.subList(Math.max(0, other.size() - 30), other.size()))));
        }
        tally.wrong.addAll(pending);
        return tally;
    }

    /** Counts of one or more child JVMs. */
    private static final class Tally {
        int cleanRuns;
        int falsePositives;
        int leakyRuns;
        int missed;
        final List<String> wrong = new ArrayList<>();

        void add(Tally other) {
            cleanRuns += other.cleanRuns;
            falsePositives += other.falsePositives;
            leakyRuns += other.leakyRuns;
            missed += other.missed;
            wrong.addAll(other.wrong);
        }
    }
}
