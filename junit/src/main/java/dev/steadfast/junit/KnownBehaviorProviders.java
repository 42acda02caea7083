package dev.steadfast.junit;

import dev.steadfast.leak.KnownBehavior;
import dev.steadfast.leak.KnownBehaviors;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The catalog entries users add: {@link KnownBehaviors} providers registered with {@link ServiceLoader}, then the
 * classes named in {@value LeakFree#KNOWN_BEHAVIORS_PROPERTY_NAME}. Problems are collected, never thrown one by one.
 */
final class KnownBehaviorProviders {

    private KnownBehaviorProviders() {
    }

    static List<KnownBehavior> load(ExtensionContext context, List<String> problems) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = KnownBehaviorProviders.class.getClassLoader();
        }
        List<KnownBehavior> behaviors = new ArrayList<>();
        try {
            for (KnownBehaviors provider : ServiceLoader.load(KnownBehaviors.class, loader)) {
                addAll(provider, provider.getClass().getName() + " (ServiceLoader)", behaviors, problems);
            }
        } catch (ServiceConfigurationError e) {
            problems.add("a " + KnownBehaviors.class.getName() + " provider registered with ServiceLoader could not "
                    + "be loaded: " + e.getMessage());
        }
        String names = context.getConfigurationParameter(LeakFree.KNOWN_BEHAVIORS_PROPERTY_NAME).orElse("");
        for (String name : names.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            String source = "configuration parameter " + LeakFree.KNOWN_BEHAVIORS_PROPERTY_NAME + " entry \""
                    + name.trim() + "\"";
            try {
                Class<?> type = Class.forName(name.trim(), false, loader);
                if (!KnownBehaviors.class.isAssignableFrom(type)) {
                    problems.add(source + ": does not implement " + KnownBehaviors.class.getName());
                    continue;
                }
                Constructor<?> constructor = type.getDeclaredConstructor();
                constructor.setAccessible(true);
                addAll((KnownBehaviors) constructor.newInstance(), source, behaviors, problems);
            } catch (ClassNotFoundException | LinkageError e) {
                problems.add(source + ": class not found on the test class path");
            } catch (NoSuchMethodException e) {
                problems.add(source + ": needs a no-argument constructor");
            } catch (ReflectiveOperationException | RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                problems.add(source + ": could not be instantiated (" + cause + ")");
            }
        }
        return behaviors;
    }

    private static void addAll(KnownBehaviors provider, String source, List<KnownBehavior> behaviors,
                               List<String> problems) {
        try {
            behaviors.addAll(provider.behaviors());
        } catch (RuntimeException e) {
            problems.add(source + ": behaviors() failed (" + e + ")");
        }
    }
}
