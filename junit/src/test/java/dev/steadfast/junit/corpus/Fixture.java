package dev.steadfast.junit.corpus;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that exists to be run through the test kit (a corpus scenario or an extension fixture), not on
 * its own: outside {@link Corpus#run} it is reported as skipped, so an IDE's "run all tests" does not fail on the
 * deliberately leaky ones.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Fixture.OnlyThroughTestKit.class)
public @interface Fixture {

    /** The configuration parameter {@link Corpus#run} sets. */
    String ENABLED_PROPERTY_NAME = "steadfast.corpus.fixtures";

    /** Disables fixtures unless {@link #ENABLED_PROPERTY_NAME} is {@code true}. */
    final class OnlyThroughTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(ENABLED_PROPERTY_NAME, Boolean::parseBoolean).orElse(false)
                    ? ConditionEvaluationResult.enabled("run through the test kit")
                    : ConditionEvaluationResult.disabled("fixture: runs only through EngineTestKit (see Corpus)");
        }
    }
}
