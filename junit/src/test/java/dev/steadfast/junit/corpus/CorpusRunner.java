package dev.steadfast.junit.corpus;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs corpus scenarios in a JVM of their own, for {@code LeakBench}'s library-corpus figures: one JVM per test
 * class (the Surefire {@code reuseForks=false} way) or one shared JVM, on whichever JUnit line the class path holds.
 * Prints one line per run, {@code VERDICT <scenario> leaky|clean correct|wrong}, and the failure message indented
 * under a wrong verdict.
 *
 * <pre>{@code
 * java --add-opens java.base/java.lang=ALL-UNNAMED -cp ... dev.steadfast.junit.corpus.CorpusRunner 20 library
 * java ... dev.steadfast.junit.corpus.CorpusRunner 1 JacksonRoundTrip
 * }</pre>
 */
public final class CorpusRunner {

    private CorpusRunner() {
    }

    /**
     * Entry point.
     *
     * @param args runs of each clean scenario (leaky ones run {@code min(runs, 3)} times), then {@code library} for
     *             every library scenario or the simple names of the scenarios to run
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: CorpusRunner <runs> library|<scenario>...");
        }
        int runs = Integer.parseInt(args[0]);
        List<Scenario> all = new ArrayList<>(Corpus.libraryClean());
        all.addAll(Corpus.libraryLeaky());
        List<Scenario> chosen = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String name = args[i];
            List<Scenario> matching = all.stream()
                    .filter(s -> name.equals("library") || s.fixture().getSimpleName().equals(name)).toList();
            if (matching.isEmpty()) {
                throw new IllegalArgumentException("no library scenario named " + name + "; known: "
                        + all.stream().map(s -> s.fixture().getSimpleName()).toList());
            }
            chosen.addAll(matching);
        }
        for (Scenario scenario : chosen) {
            int times = scenario.leaky() ? Math.min(runs, 3) : runs;
            for (int i = 0; i < times; i++) {
                Corpus.Verdict verdict = Corpus.verdict(scenario, Corpus.run(scenario.fixture()));
                System.out.println("VERDICT " + scenario.fixture().getSimpleName() + " "
                        + (scenario.leaky() ? "leaky" : "clean") + " " + (verdict.correct() ? "correct" : "wrong"));
                if (!verdict.correct()) {
                    verdict.message().lines().forEach(line -> System.out.println("    | " + line));
                }
            }
        }
    }
}
