package dev.steadfast.junit;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One-time initialisation before the first checked test of a run, so that it lands on no test: the logging
 * frameworks on the class path (parsing their configuration leaves the JDK's per-thread caches and may start
 * threads) and the classes listed in {@value LeakFree#WARM_UP_PROPERTY_NAME}. Runs on the thread of the first test,
 * before its scope opens; what it leaves is the baseline every scope starts from.
 *
 * <p>Kept in the run's root store, so it runs once per run. Two tests starting in parallel may both warm up; class
 * initialisation is idempotent, so the second does nothing.
 */
final class WarmUp {

    static final String REPORT_ENTRY = "steadfast.leakfree.warm-up";
    private static final String DONE = "warm-up";

    /** The logging frameworks and the call that makes each read its configuration: class, static method. */
    private static final List<String[]> LOGGING = List.of(
            new String[] {"java.util.logging.LogManager", "getLogManager"},
            new String[] {"org.slf4j.LoggerFactory", "getILoggerFactory"},
            new String[] {"org.apache.logging.log4j.LogManager", "getRootLogger"});

    private WarmUp() {
    }

    /**
     * Warms up unless this run already has.
     *
     * @throws ExtensionConfigurationException naming every listed class that cannot be found or initialised
     */
    static void once(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(LeakFreeExtension.NAMESPACE);
        Object outcome = store.get(DONE);
        if (outcome instanceof String failure) {
            throw new ExtensionConfigurationException(failure); // every checked test says so, not only the first
        }
        if (outcome != null) {
            return;
        }
        long start = System.nanoTime();
        List<String> done = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (loggingEnabled(context, problems)) {
            for (String[] framework : LOGGING) {
                initialiseLogging(framework[0], framework[1], done, problems);
            }
        }
        context.getConfigurationParameter(LeakFree.WARM_UP_PROPERTY_NAME).ifPresent(list -> {
            for (String className : list.split(",")) {
                if (!className.isBlank()) {
                    initialise(className.trim(), done, problems);
                }
            }
        });
        if (!problems.isEmpty()) {
            String failure = "@LeakFree warm-up failed:\n  - " + String.join("\n  - ", problems);
            store.put(DONE, failure);
            throw new ExtensionConfigurationException(failure);
        }
        store.put(DONE, Boolean.TRUE);
        context.publishReportEntry(REPORT_ENTRY, "initialised once before the first checked test in "
                + (System.nanoTime() - start) / 1_000_000 + " ms: " + String.join(", ", done));
    }

    private static boolean loggingEnabled(ExtensionContext context, List<String> problems) {
        Optional<String> value = context.getConfigurationParameter(LeakFree.WARM_UP_LOGGING_PROPERTY_NAME)
                .map(String::trim);
        if (value.isEmpty() || "true".equalsIgnoreCase(value.get())) {
            return true;
        }
        if (!"false".equalsIgnoreCase(value.get())) {
            problems.add("configuration parameter " + LeakFree.WARM_UP_LOGGING_PROPERTY_NAME
                    + " must be true or false: " + value.get());
        }
        return false;
    }

    private static void initialiseLogging(String className, String method, List<String> done, List<String> problems) {
        Optional<Class<?>> type = load(className);
        if (type.isEmpty()) {
            return; // that framework is not on the class path
        }
        try {
            Method call = type.get().getMethod(method);
            call.invoke(null);
            done.add(className + "." + method + "()");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            problems.add(className + "." + method + "() failed: " + cause + " (turn the logging warm-up off with "
                    + LeakFree.WARM_UP_LOGGING_PROPERTY_NAME + "=false)");
        }
    }

    private static void initialise(String className, List<String> done, List<String> problems) {
        try {
            Class.forName(className, true, loader());
            done.add(className);
        } catch (ClassNotFoundException e) {
            problems.add("configuration parameter " + LeakFree.WARM_UP_PROPERTY_NAME + " names \"" + className
                    + "\", which is not on the test class path; write a fully qualified class name, nested classes "
                    + "with $ (com.acme.Outer$Inner)");
        } catch (LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            problems.add("configuration parameter " + LeakFree.WARM_UP_PROPERTY_NAME + ": initialising "
                    + className + " failed: " + cause);
        }
    }

    private static Optional<Class<?>> load(String className) {
        try {
            return Optional.of(Class.forName(className, false, loader()));
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
    }

    private static ClassLoader loader() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return loader != null ? loader : WarmUp.class.getClassLoader();
    }
}
