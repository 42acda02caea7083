package dev.steadfast.junit;

import dev.steadfast.leak.HeapGrowthDetector;
import dev.steadfast.leak.HeapGrowthReport;
import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;
import org.opentest4j.AssertionFailedError;

/**
 * The extension behind {@link NoHeapGrowth}: an invocation interceptor that lets the test method run once through
 * the normal chain, then re-invokes the same method on the same instance with the same arguments inside
 * {@link HeapGrowthDetector#measure}.
 *
 * <p>Why an interceptor and not a test template: a template would report every iteration as a test of its own
 * (a thousand events for one question), run the {@code @BeforeEach}/{@code @AfterEach} methods and every other
 * extension around each iteration (their allocations would be measured too), and would need the measurement to
 * span independent invocations. Repeating only the body keeps the measurement about the code under test and the
 * answer in one test result.
 */
class NoHeapGrowthExtension implements InvocationInterceptor {

    static final int MIN_ITERATIONS = 10;

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext extensionContext) throws Throwable {
        measure(invocation, invocationContext, extensionContext);
    }

    /** Each invocation of a {@code @ParameterizedTest} or {@code @RepeatedTest} is measured on its own. */
    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                            ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext extensionContext) throws Throwable {
        measure(invocation, invocationContext, extensionContext);
    }

    private static void measure(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                ExtensionContext extensionContext) throws Throwable {
        Method method = invocationContext.getExecutable();
        NoHeapGrowth annotation = AnnotationSupport.findAnnotation(method, NoHeapGrowth.class).orElse(null);
        if (annotation == null) {
            invocation.proceed();
            return;
        }
        HeapGrowthDetector detector = detector(annotation, method);
        invocation.proceed();
        Object target = invocationContext.getTarget().orElse(null);
        Object[] arguments = invocationContext.getArguments().toArray();
        HeapGrowthReport report = detector.measure(
                iteration -> ReflectionSupport.invokeMethod(method, target, arguments));
        if (!report.warnings().isEmpty()) {
            extensionContext.publishReportEntry("steadfast.noheapgrowth.warnings",
                    String.join("\n", report.warnings()));
        }
        if (report.isGrowing()) {
            throw new AssertionFailedError(report.toString());
        }
    }

    private static HeapGrowthDetector detector(NoHeapGrowth annotation, Method method) {
        StringBuilder problems = new StringBuilder();
        if (annotation.iterations() < MIN_ITERATIONS) {
            problems.append("\n  - iterations must be at least ").append(MIN_ITERATIONS).append(": ")
                    .append(annotation.iterations());
        }
        if (annotation.warmupIterations() < -1) {
            problems.append("\n  - warmupIterations must be -1 (the default) or at least 0: ")
                    .append(annotation.warmupIterations());
        }
        if (annotation.thresholdBytesPerIteration() != -1 && !(annotation.thresholdBytesPerIteration() >= 0)) {
            problems.append("\n  - thresholdBytesPerIteration must be -1 (the default) or at least 0: ")
                    .append(annotation.thresholdBytesPerIteration());
        }
        if (problems.length() > 0) {
            throw new ExtensionConfigurationException("@NoHeapGrowth on " + method.getDeclaringClass().getName() + "."
                    + method.getName() + "() is misconfigured:" + problems);
        }
        HeapGrowthDetector.Builder builder = HeapGrowthDetector.builder().iterations(annotation.iterations());
        if (annotation.warmupIterations() >= 0) {
            builder.warmupIterations(annotation.warmupIterations());
        }
        if (annotation.thresholdBytesPerIteration() >= 0) {
            builder.thresholdBytesPerIteration(annotation.thresholdBytesPerIteration());
        }
        return builder.build();
    }
}
