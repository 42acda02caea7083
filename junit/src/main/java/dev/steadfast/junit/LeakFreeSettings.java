package dev.steadfast.junit;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.leak.KnownBehavior;
import dev.steadfast.leak.LeakCheck;
import dev.steadfast.leak.LeakDetector;
import dev.steadfast.leak.ThreadFilter;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * What {@link LeakFree} means for one test, after merging its annotations (most specific first) with the
 * configuration parameters. Every problem found is reported at once, naming where the bad value came from.
 */
final class LeakFreeSettings {


    private final boolean annotated;
    private final Set<LeakCheck> checks;
    private final LeakDetector detector;

    private LeakFreeSettings(boolean annotated, Optional<Duration> linger, Set<LeakCheck> checks,
                             List<ThreadFilter> threadFilters, List<String> ignoredThreadLocals,
                             List<String> ignoredCreators, List<KnownBehavior> knownBehaviors, boolean strict) {
        this.annotated = annotated;
        this.checks = Collections.unmodifiableSet(checks);
        LeakDetector.Builder builder = LeakDetector.builder().checks(checks).strict(strict);
        linger.ifPresent(builder::linger);
        threadFilters.forEach(builder::threadFilter);
        ignoredThreadLocals.forEach(builder::ignoreThreadLocal);
        ignoredCreators.forEach(builder::ignoreThreadsCreatedBy);
        knownBehaviors.forEach(builder::knownBehavior);
        this.detector = builder.build();
    }

    /** Whether a {@link LeakFree} annotation applies to the test (otherwise only the configuration does). */
    boolean annotated() {
        return annotated;
    }

    Set<LeakCheck> checks() {
        return checks;
    }

    /** The detector configured with these settings; immutable, so shared by every test that has them. */
    LeakDetector detector() {
        return detector;
    }

    /**
     * Resolves the settings of the test in {@code context}.
     *
     * @throws ExtensionConfigurationException listing every misconfiguration found
     */
    static LeakFreeSettings resolve(ExtensionContext context) {
        Map<LeakFree, String> annotations = annotationsMostSpecificFirst(context);
        List<String> problems = new ArrayList<>();

        Optional<Duration> linger = Optional.empty();
        for (Map.Entry<LeakFree, String> entry : annotations.entrySet()) {
            String text = entry.getKey().linger();
            if (!text.isEmpty()) {
                linger = parseDuration(text, "linger = \"" + text + "\" of @LeakFree on " + entry.getValue(), problems);
                break;
            }
        }
        if (linger.isEmpty()) {
            Optional<String> text = context.getConfigurationParameter(LeakFree.LINGER_PROPERTY_NAME);
            if (text.isPresent()) {
                linger = parseDuration(text.get().trim(),
                        "configuration parameter " + LeakFree.LINGER_PROPERTY_NAME + "=" + text.get(), problems);
            }
        }

        Set<LeakCheck> checks = null;
        for (Map.Entry<LeakFree, String> entry : annotations.entrySet()) {
            LeakCheck[] declared = entry.getKey().checks();
            if (declared.length > 0) {
                checks = EnumSet.copyOf(List.of(declared));
                break;
            }
        }
        if (checks == null) {
            checks = configuredChecks(context, problems);
        }

        List<ThreadFilter> filters = new ArrayList<>();
        for (Map.Entry<LeakFree, String> entry : annotations.entrySet()) {
            for (String regex : entry.getKey().ignoreThreads()) {
                addPattern(regex, "ignoreThreads = \"" + regex + "\" of @LeakFree on " + entry.getValue(), filters,
                        problems);
            }
            for (Class<? extends ThreadFilter> type : entry.getKey().threadFilters()) {
                instantiate(type, "threadFilters = " + type.getName() + ".class of @LeakFree on " + entry.getValue(),
                        problems).ifPresent(filters::add);
            }
        }
        context.getConfigurationParameter(LeakFree.IGNORE_THREADS_PROPERTY_NAME).ifPresent(list -> {
            for (String regex : splitList(list)) {
                addPattern(regex, "configuration parameter " + LeakFree.IGNORE_THREADS_PROPERTY_NAME + " entry \""
                        + regex + "\"", filters, problems);
            }
        });
        context.getConfigurationParameter(LeakFree.THREAD_FILTERS_PROPERTY_NAME).ifPresent(list -> {
            for (String className : splitList(list)) {
                String source = "configuration parameter " + LeakFree.THREAD_FILTERS_PROPERTY_NAME + " entry \""
                        + className + "\"";
                loadFilterClass(className, source, problems)
                        .flatMap(type -> instantiate(type, source, problems))
                        .ifPresent(filters::add);
            }
        });

        List<String> ignoredThreadLocals = new ArrayList<>();
        for (Map.Entry<LeakFree, String> entry : annotations.entrySet()) {
            for (String field : entry.getKey().ignoreThreadLocals()) {
                addIgnoredThreadLocal(field, "ignoreThreadLocals = \"" + field + "\" of @LeakFree on "
                        + entry.getValue(), ignoredThreadLocals, problems);
            }
        }
        context.getConfigurationParameter(LeakFree.IGNORE_THREAD_LOCALS_PROPERTY_NAME).ifPresent(list -> {
            for (String field : splitList(list)) {
                addIgnoredThreadLocal(field, "configuration parameter " + LeakFree.IGNORE_THREAD_LOCALS_PROPERTY_NAME
                        + " entry \"" + field + "\"", ignoredThreadLocals, problems);
            }
        });
        List<String> ignoredCreators = new ArrayList<>();
        for (Map.Entry<LeakFree, String> entry : annotations.entrySet()) {
            for (String creator : entry.getKey().ignoreThreadsCreatedBy()) {
                addIgnoredCreator(creator, "ignoreThreadsCreatedBy = \"" + creator + "\" of @LeakFree on "
                        + entry.getValue(), ignoredCreators, problems);
            }
        }
        context.getConfigurationParameter(LeakFree.IGNORE_THREADS_CREATED_BY_PROPERTY_NAME).ifPresent(list -> {
            for (String creator : splitList(list)) {
                addIgnoredCreator(creator, "configuration parameter "
                        + LeakFree.IGNORE_THREADS_CREATED_BY_PROPERTY_NAME + " entry \"" + creator + "\"",
                        ignoredCreators, problems);
            }
        });
        List<KnownBehavior> knownBehaviors = KnownBehaviorProviders.load(context, problems);
        boolean strict = false;
        Optional<String> strictText = context.getConfigurationParameter(LeakFree.STRICT_PROPERTY_NAME).map(String::trim);
        if (strictText.isPresent()) {
            if ("true".equalsIgnoreCase(strictText.get()) || "false".equalsIgnoreCase(strictText.get())) {
                strict = Boolean.parseBoolean(strictText.get());
            } else {
                problems.add("configuration parameter " + LeakFree.STRICT_PROPERTY_NAME + " must be true or false: "
                        + strictText.get());
            }
        }

        if (checks.isEmpty() && problems.isEmpty()) {
            problems.add("the configuration parameters turn every check off (" + LeakFree.CHECKS_PROPERTY_NAME
                    + " and the per-check switches); enable at least one, or remove @LeakFree / "
                    + LeakFree.ENABLED_PROPERTY_NAME);
        }
        if (!problems.isEmpty()) {
            throw new ExtensionConfigurationException("@LeakFree is misconfigured for " + describe(context) + ":\n  - "
                    + String.join("\n  - ", problems));
        }
        return new LeakFreeSettings(!annotations.isEmpty(), linger, checks, filters, ignoredThreadLocals,
                ignoredCreators, knownBehaviors, strict);
    }

    /**
     * The {@link LeakFree} annotations that apply to the test: on its method, then its class and superclasses, then
     * its enclosing classes (innermost first), each with a description of where it was found.
     */
    private static Map<LeakFree, String> annotationsMostSpecificFirst(ExtensionContext context) {
        // Identity: an @Inherited annotation is found again on every subclass, and must count once.
        Map<LeakFree, String> found = new IdentityHashMap<>();
        Map<LeakFree, String> ordered = new LinkedHashMap<>();
        context.getTestMethod().ifPresent(method -> add(method, "method " + describe(method), found, ordered));
        Optional<Class<?>> testClass = context.getTestClass();
        if (testClass.isPresent()) {
            List<Class<?>> classes = new ArrayList<>();
            classes.add(testClass.get());
            // Innermost first. A @Nested class is an inner (non-static) class, so its enclosing test classes are
            // its chain of enclosing classes; read from the class itself because
            // ExtensionContext.getEnclosingTestClasses() exists only since JUnit 5.12.
            for (Class<?> c = testClass.get(); isInner(c); c = c.getEnclosingClass()) {
                classes.add(c.getEnclosingClass());
            }
            for (Class<?> type : classes) {
                for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                    add(c, "class " + c.getName(), found, ordered);
                }
            }
        }
        return ordered;
    }

    private static boolean isInner(Class<?> type) {
        return type.getEnclosingClass() != null && !Modifier.isStatic(type.getModifiers());
    }

    private static void add(AnnotatedElement element, String where, Map<LeakFree, String> found,
                            Map<LeakFree, String> ordered) {
        AnnotationSupport.findAnnotation(element, LeakFree.class).ifPresent(annotation -> {
            if (found.putIfAbsent(annotation, where) == null) {
                ordered.put(annotation, where);
            }
        });
    }

    private static Set<LeakCheck> configuredChecks(ExtensionContext context, List<String> problems) {
        Set<LeakCheck> checks = EnumSet.allOf(LeakCheck.class);
        Optional<String> general = context.getConfigurationParameter(LeakFree.CHECKS_PROPERTY_NAME);
        if (general.isPresent()) {
            checks = EnumSet.noneOf(LeakCheck.class);
            for (String name : splitList(general.get())) {
                try {
                    checks.add(LeakCheck.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_')));
                } catch (IllegalArgumentException e) {
                    problems.add("configuration parameter " + LeakFree.CHECKS_PROPERTY_NAME
                            + " names an unknown check \""
                            + name + "\"; known: " + List.of(LeakCheck.values()));
                }
            }
        }
        applySwitch(context, LeakFree.THREADS_ENABLED_PROPERTY_NAME, LeakCheck.THREADS, checks, problems);
        applySwitch(context, LeakFree.THREAD_LOCALS_ENABLED_PROPERTY_NAME, LeakCheck.THREAD_LOCALS, checks, problems);
        applySwitch(context, LeakFree.RETAINED_OBJECTS_ENABLED_PROPERTY_NAME, LeakCheck.RETAINED_OBJECTS, checks,
                problems);
        return checks;
    }

    private static void applySwitch(ExtensionContext context, String name, LeakCheck check, Set<LeakCheck> checks,
                                    List<String> problems) {
        context.getConfigurationParameter(name).map(String::trim).ifPresent(value -> {
            if ("true".equalsIgnoreCase(value)) {
                checks.add(check);
            } else if ("false".equalsIgnoreCase(value)) {
                checks.remove(check);
            } else {
                problems.add("configuration parameter " + name + " must be true or false: " + value);
            }
        });
    }

    /**
     * Parses a duration in Steadfast's one grammar ({@link Durations}: {@code 0}, {@code 250ms}, {@code 2 s},
     * ISO-8601 such as {@code PT0.5S}).
     *
     * @return the duration, or empty after adding a problem naming {@code source}
     */
    static Optional<Duration> parseDuration(String text, String source, List<String> problems) {
        try {
            return Optional.of(Durations.parse(text));
        } catch (IllegalArgumentException e) {
            problems.add(source + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private static void addPattern(String regex, String source, List<ThreadFilter> filters, List<String> problems) {
        try {
            filters.add(ThreadFilter.nameMatches(regex));
        } catch (PatternSyntaxException e) {
            problems.add(source + ": not a regular expression (" + e.getDescription() + ")");
        }
    }

    private static void addIgnoredThreadLocal(String field, String source, List<String> fields,
                                              List<String> problems) {
        try {
            LeakDetector.builder().ignoreThreadLocal(field); // validates the form, in one place
            fields.add(field.trim());
        } catch (IllegalArgumentException e) {
            problems.add(source + ": not a declaring field; write package.Class.FIELD, e.g. com.acme.Cache.BUFFER");
        }
    }

    private static void addIgnoredCreator(String creator, String source, List<String> creators,
                                          List<String> problems) {
        try {
            LeakDetector.builder().ignoreThreadsCreatedBy(creator); // validates the form, in one place
            creators.add(creator.trim());
        } catch (IllegalArgumentException e) {
            problems.add(source + ": not a class or package; write com.acme.Scheduler or com.acme.*");
        }
    }

    private static Optional<Class<? extends ThreadFilter>> loadFilterClass(String className, String source,
                                                                           List<String> problems) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            Class<?> type = Class.forName(className, false, loader != null ? loader : LeakFree.class.getClassLoader());
            if (!ThreadFilter.class.isAssignableFrom(type)) {
                problems.add(source + ": " + className + " does not implement " + ThreadFilter.class.getName());
                return Optional.empty();
            }
            return Optional.of(type.asSubclass(ThreadFilter.class));
        } catch (ClassNotFoundException | LinkageError e) {
            problems.add(source + ": class not found on the test class path");
            return Optional.empty();
        }
    }

    private static Optional<ThreadFilter> instantiate(Class<? extends ThreadFilter> type, String source,
                                                      List<String> problems) {
        try {
            Constructor<? extends ThreadFilter> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return Optional.of(constructor.newInstance());
        } catch (NoSuchMethodException e) {
            problems.add(source + ": needs a no-argument constructor");
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            problems.add(source + ": could not be instantiated (" + cause + ")");
        }
        return Optional.empty();
    }

    private static List<String> splitList(String list) {
        List<String> items = new ArrayList<>();
        for (String item : list.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    private static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName() + "()";
    }

    /**
     * @return {@code com.acme.FooTest.bar()}, named after the class that runs the test: an inherited test method is
     *         reported under the subclass that ran it, not the superclass that declares it
     */
    static String describe(ExtensionContext context) {
        String className = context.getTestClass().map(Class::getName).orElse(context.getDisplayName());
        return context.getTestMethod().map(method -> className + "." + method.getName() + "()").orElse(className);
    }
}
