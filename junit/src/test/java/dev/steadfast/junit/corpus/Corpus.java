package dev.steadfast.junit.corpus;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The accuracy corpus: leaky scenarios ({@link LeakyScenarios}) and clean look-alikes ({@link CleanScenarios}),
 * each a {@link Fixture} class run through the JUnit Platform test kit. Used by the corpus tests and by
 * {@code LeakBench} (through this module's test jar).
 *
 * <pre>{@code
 * Verdict verdict = Corpus.verdict(scenario, Corpus.run(scenario.fixture()));
 * }</pre>
 */
public final class Corpus {

    private Corpus() {
    }

    /** @return every leaky scenario, JDK-only then with third-party libraries, each by name */
    public static List<Scenario> leaky() {
        return concat(jdkOnlyLeaky(), libraryLeaky());
    }

    /** @return every clean look-alike, JDK-only then with third-party libraries, each by name */
    public static List<Scenario> clean() {
        return concat(jdkOnlyClean(), libraryClean());
    }

    /** @return the leaky scenarios that need only the JDK (and JUnit), for runs on another JVM's class path */
    public static List<Scenario> jdkOnlyLeaky() {
        return scenarios(LeakyScenarios.class, true);
    }

    /** @return the clean look-alikes that need only the JDK (and JUnit) */
    public static List<Scenario> jdkOnlyClean() {
        return scenarios(CleanScenarios.class, false);
    }

    /** @return the leaky scenarios with real third-party libraries (SLF4J MDC, Jackson, Netty) */
    public static List<Scenario> libraryLeaky() {
        return scenarios(LibraryLeakyScenarios.class, true);
    }

    /** @return the clean look-alikes with real third-party libraries */
    public static List<Scenario> libraryClean() {
        return scenarios(LibraryCleanScenarios.class, false);
    }

    private static List<Scenario> concat(List<Scenario> first, List<Scenario> second) {
        List<Scenario> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    private static List<Scenario> scenarios(Class<?> holder, boolean leaky) {
        return Arrays.stream(holder.getDeclaredClasses())
                .filter(type -> type.isAnnotationPresent(Fixture.class))
                .sorted(Comparator.comparing(Class::getSimpleName))
                .map(type -> new Scenario(type, leaky, Optional.ofNullable(type.getAnnotation(ExpectLeak.class))
                        .map(expect -> List.of(expect.value())).orElse(List.of())))
                .collect(Collectors.toList());
    }

    /**
     * Runs a fixture class through the Jupiter engine with fixtures enabled, then undoes what it left behind.
     *
     * @param fixture       the fixture class
     * @param configuration extra configuration parameters
     * @return the recorded events
     */
    public static EngineExecutionResults run(Class<?> fixture, Map<String, String> configuration) {
        try {
            return EngineTestKit.engine("junit-jupiter")
                    .configurationParameter(Fixture.ENABLED_PROPERTY_NAME, "true")
                    .configurationParameters(configuration)
                    .selectors(selectClass(fixture))
                    .execute();
        } finally {
            Leftovers.undoAll();
        }
    }

    /** Same as {@link #run(Class, Map)} without extra configuration. */
    public static EngineExecutionResults run(Class<?> fixture) {
        return run(fixture, Map.of());
    }

    /**
     * Judges one run of a scenario: a leaky one must fail with every expected fragment in its message, a clean one
     * must pass.
     *
     * @return the verdict, with the failure text when there is one
     */
    public static Verdict verdict(Scenario scenario, EngineExecutionResults results) {
        List<Event> finished = results.testEvents().finished().list();
        if (finished.size() != 1) {
            return new Verdict(false, "expected exactly 1 finished test, got " + finished.size()
                    + " (did the fixture fail to start? " + results.containerEvents().failed().list() + ")");
        }
        TestExecutionResult result = finished.get(0).getRequiredPayload(TestExecutionResult.class);
        String message = result.getThrowable().map(Corpus::fullMessage).orElse("");
        if (!scenario.leaky()) {
            return new Verdict(result.getStatus() == TestExecutionResult.Status.SUCCESSFUL, message);
        }
        boolean named = scenario.expectedInMessage().stream().allMatch(message::contains);
        return new Verdict(result.getStatus() == TestExecutionResult.Status.FAILED && named, message);
    }

    /**
     * The failure of the only failed test in {@code results}.
     *
     * @throws AssertionError if not exactly one test failed
     */
    public static Throwable onlyFailure(EngineExecutionResults results) {
        List<Event> failed = results.testEvents().failed().list();
        if (failed.size() != 1) {
            AssertionError error = new AssertionError("expected exactly 1 failed test, got " + failed.size() + ": "
                    + failed + "; failed containers: " + results.containerEvents().failed().list());
            results.containerEvents().failed().list().forEach(event -> event
                    .getRequiredPayload(TestExecutionResult.class).getThrowable().ifPresent(error::addSuppressed));
            throw error;
        }
        return failed.get(0).getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    private static String fullMessage(Throwable failure) {
        StringBuilder out = new StringBuilder(String.valueOf(failure.getMessage()));
        for (Throwable suppressed : failure.getSuppressed()) {
            out.append("\nSuppressed: ").append(suppressed.getMessage());
        }
        return out.toString();
    }

    /**
     * The verdict on one scenario run.
     *
     * @param correct whether the extension got it right (leak reported with its fields named, or clean passed)
     * @param message the failure message, empty if the test passed
     */
    public record Verdict(boolean correct, String message) {
    }
}
