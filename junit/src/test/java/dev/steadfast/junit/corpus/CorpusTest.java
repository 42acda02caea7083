package dev.steadfast.junit.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The accuracy corpus through the test kit: every leak reported with its holder named, every look-alike passes. */
class CorpusTest {

    static List<Scenario> leaky() {
        return Corpus.leaky();
    }

    static List<Scenario> clean() {
        return Corpus.clean();
    }

    @Test
    void corpus_hasAtLeastTwentyScenariosOfEachKind() {
        assertThat(Corpus.leaky()).hasSizeGreaterThanOrEqualTo(20);
        assertThat(Corpus.clean()).hasSizeGreaterThanOrEqualTo(20);
        assertThat(Corpus.leaky()).allSatisfy(scenario -> assertThat(scenario.expectedInMessage()).isNotEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leaky")
    void leakyScenario_failsNamingWhatHoldsTheLeak(Scenario scenario) {
        Corpus.Verdict verdict = Corpus.verdict(scenario, Corpus.run(scenario.fixture()));

        assertThat(verdict.message()).as("failure message of %s", scenario)
                .contains(scenario.expectedInMessage());
        assertThat(verdict.correct()).as("%s fails", scenario).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clean")
    void cleanScenario_passes(Scenario scenario) {
        Corpus.Verdict verdict = Corpus.verdict(scenario, Corpus.run(scenario.fixture()));

        assertThat(verdict.correct()).as("%s passes, but failed with:%n%s", scenario, verdict.message()).isTrue();
    }
}
