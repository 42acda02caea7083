package dev.steadfast.junit5compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Proves what the rest of this module's run stands on: steadfast-junit's tests (scanned from its test jar) really ran
 * on JUnit 5, and steadfast-junit brought no SLF4J with it.
 */
class JUnit5ClassPathTest {

    @Test
    void jupiterOnTheClassPath_isJUnit5() {
        assertThat(ExtensionContext.class.getPackage().getImplementationVersion()).startsWith("5.");
    }

    @Test
    void steadfastJunit_bringsNoSlf4j() {
        assertThatThrownBy(() -> Class.forName("org.slf4j.LoggerFactory"))
                .isInstanceOf(ClassNotFoundException.class);
    }
}
