package dev.steadfast.junit;

import dev.steadfast.leak.LeakCheck;
import dev.steadfast.leak.LeakReport;
import dev.steadfast.leak.LeakScope;
import dev.steadfast.leak.LeakWatcher;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.AssertionFailedError;

/**
 * The extension behind {@link LeakFree}: opens a {@link LeakScope} for each test before its {@code @BeforeEach}
 * methods, injects it as {@link LeakWatcher}, and checks it after its {@code @AfterEach} methods, failing that test
 * (and only that one) with the report.
 *
 * <p>Registered in two ways: by {@code @LeakFree} (through {@code @ExtendWith}), and by auto-detection
 * ({@link AutoDetectedLeakFreeExtension}) for suites that opt in with {@value LeakFree#ENABLED_PROPERTY_NAME}. The
 * auto-detected instance steps aside for tests that carry the annotation, so a test is checked once and a
 * {@code LeakWatcher} parameter has exactly one resolver.
 */
class LeakFreeExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    static final Namespace NAMESPACE = Namespace.create(LeakFreeExtension.class);
    private static final String SCOPE = "scope";
    private static final String SETTINGS = "settings";

    private final boolean autoDetected;

    LeakFreeExtension() {
        this(false);
    }

    LeakFreeExtension(boolean autoDetected) {
        this.autoDetected = autoDetected;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Optional<LeakFreeSettings> settings = settings(context);
        if (settings.isEmpty()) {
            return;
        }
        WarmUp.once(context);
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        // The store closes the scope when the test's context ends, also if afterEach never runs.
        store.put(SCOPE, settings.get().detector()
                .open(LeakFreeSettings.describe(context), context.getRequiredTestClass()));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        // Only the instance responsible for the test opened a scope; whoever finds it checks it, once.
        LeakScope scope = context.getStore(NAMESPACE).remove(SCOPE, LeakScope.class);
        if (scope == null) {
            return;
        }
        LeakReport report;
        try (scope) {
            report = scope.check();
        }
        if (!report.warnings().isEmpty()) {
            context.publishReportEntry("steadfast.leakfree.warnings", String.join("\n", report.warnings()));
        }
        if (!report.notes().isEmpty() && report.isClean()) {
            // A failing test prints its notes in the message; a passing one keeps them out of the way.
            context.publishReportEntry("steadfast.leakfree.notes", report.notes().stream().map(Object::toString)
                    .collect(java.util.stream.Collectors.joining("\n")));
        }
        if (!report.isClean()) {
            throw new AssertionFailedError(LeakFreeMessages.failure(report));
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LeakWatcher.class && responsibleFor(extensionContext);
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Executable declaring = parameterContext.getDeclaringExecutable();
        LeakScope scope = extensionContext.getStore(NAMESPACE).get(SCOPE, LeakScope.class);
        if (scope == null || !(declaring instanceof Method) || extensionContext.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("A LeakWatcher can be injected only into test methods and their "
                    + "@BeforeEach/@AfterEach methods, not into " + declaring + ": it belongs to one test's scope.");
        }
        LeakFreeSettings settings = settings(extensionContext).orElseThrow();
        if (!settings.checks().contains(LeakCheck.RETAINED_OBJECTS)) {
            throw new ParameterResolutionException("A LeakWatcher was requested by " + declaring
                    + " but the RETAINED_OBJECTS check is off for " + LeakFreeSettings.describe(extensionContext)
                    + ", so watched objects would never be checked. Add LeakCheck.RETAINED_OBJECTS to "
                    + "@LeakFree(checks = ...) or to the configuration parameter " + LeakFree.CHECKS_PROPERTY_NAME
                    + ".");
        }
        return scope;
    }

    /**
     * The settings for this test if this instance is the one that checks it. Resolved once per test class and method
     * for the whole run (in the root store): they depend only on annotations and configuration, and resolving them
     * for each of thousands of tests would cost a good part of the per-test budget.
     *
     * <p>Only API present in JUnit 5.10 and 6 is used here ({@code Store.get}/{@code put}, not JUnit 6's
     * {@code computeIfAbsent}); two tests racing to resolve the same settings compute equal values, so the loser's
     * copy is simply dropped. An auto-detected instance under a suite that has not opted in returns before reading
     * anything else: a disabled extension does no work.
     */
    private Optional<LeakFreeSettings> settings(ExtensionContext context) {
        if (autoDetected && !context.getConfigurationParameter(LeakFree.ENABLED_PROPERTY_NAME, Boolean::parseBoolean)
                .orElse(false)) {
            return Optional.empty();
        }
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        List<Object> key = Arrays.asList(SETTINGS, context.getTestClass().orElse(null),
                context.getTestMethod().orElse(null));
        LeakFreeSettings settings = store.get(key, LeakFreeSettings.class);
        if (settings == null) {
            settings = LeakFreeSettings.resolve(context);
            store.put(key, settings);
        }
        boolean active = autoDetected ? !settings.annotated() : settings.annotated();
        return active ? Optional.of(settings) : Optional.empty();
    }

    private boolean responsibleFor(ExtensionContext context) {
        return settings(context).isPresent();
    }
}
