package dev.steadfast.junit.corpus;

import java.util.List;

/**
 * One corpus scenario: a fixture class with one test, either leaky (with the fragments its failure must name) or a
 * clean look-alike that must pass.
 *
 * <pre>{@code
 * for (Scenario scenario : Corpus.leaky()) {
 *     EngineExecutionResults results = Corpus.run(scenario.fixture());
 * }
 * }</pre>
 *
 * @param fixture           the fixture class
 * @param leaky             whether the scenario leaks
 * @param expectedInMessage for a leaky scenario, the texts its failure message must contain; empty for clean ones
 */
public record Scenario(Class<?> fixture, boolean leaky, List<String> expectedInMessage) {

    /** Copies the list. */
    public Scenario {
        expectedInMessage = List.copyOf(expectedInMessage);
    }

    /** @return the fixture's simple name, e.g. {@code TimerNeverCancelled} */
    public String name() {
        return fixture.getSimpleName();
    }

    @Override
    public String toString() {
        return (leaky ? "leaky " : "clean ") + name();
    }
}
