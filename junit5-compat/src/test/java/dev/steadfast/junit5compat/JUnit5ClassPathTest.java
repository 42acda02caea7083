package dev.steadfast.junit5compat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Proves what the rest of this module's run stands on: steadfast-junit's tests (from its test jar) run on JUnit 5. */
class JUnit5ClassPathTest {

    @Test
    void jupiterOnTheClassPath_isJUnit5() {
        assertThat(ExtensionContext.class.getPackage().getImplementationVersion()).startsWith("5.");
    }
}
