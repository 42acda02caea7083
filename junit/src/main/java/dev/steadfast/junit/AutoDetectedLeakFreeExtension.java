package dev.steadfast.junit;

/**
 * The {@link LeakFree} checks for every test of a suite, registered through {@link java.util.ServiceLoader} so that
 * JUnit's extension auto-detection finds it; it does nothing unless {@value LeakFree#ENABLED_PROPERTY_NAME} is
 * {@code true}. Tests carrying {@code @LeakFree} are left to the annotation, so their options apply. Not meant to be
 * registered by hand.
 *
 * <pre>{@code
 * # src/test/resources/junit-platform.properties
 * junit.jupiter.extensions.autodetection.enabled=true
 * steadfast.leakfree.enabled=true
 * }</pre>
 */
public final class AutoDetectedLeakFreeExtension extends LeakFreeExtension {

    /** Called by {@link java.util.ServiceLoader}. */
    public AutoDetectedLeakFreeExtension() {
        super(true);
    }
}
