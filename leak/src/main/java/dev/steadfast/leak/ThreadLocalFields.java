package dev.steadfast.leak;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Names the static field that declares a ThreadLocal (or a Netty {@code FastThreadLocal}), by searching the static fields of the classes likely to hold it:
 * the scope's owner and the classes on its opening stack, the ThreadLocal's own class (an anonymous subclass is
 * declared next to its field), the class that defined a {@code ThreadLocal.withInitial} lambda, and the value's class
 * - each with its nest (enclosing and nested classes). There is no index of all fields in the JVM, so a ThreadLocal
 * held elsewhere (in an instance field, or a class none of these reach) stays unnamed.
 */
final class ThreadLocalFields {

    private static final String SUPPLIED_THREAD_LOCAL = "java.lang.ThreadLocal$SuppliedThreadLocal";
    static final String FAST_THREAD_LOCAL = "io.netty.util.concurrent.FastThreadLocal";

    private ThreadLocalFields() {
    }

    /**
     * @return the class whose code created {@code threadLocal} when it can be told from the object alone (an
     *         anonymous or named subclass, the definer of a {@code withInitial} lambda), or null for a plain
     *         {@code new ThreadLocal<>()}
     */
    static Class<?> definingClass(ThreadLocal<?> threadLocal) {
        Class<?> type = threadLocal.getClass();
        if (type == ThreadLocal.class || type == InheritableThreadLocal.class) {
            return null;
        }
        if (type.getName().equals(SUPPLIED_THREAD_LOCAL)) {
            Object supplier = readSupplier(threadLocal);
            return supplier == null ? null : supplier.getClass().getNestHost();
        }
        return type;
    }

    /**
     * @return whether the ThreadLocal (or Netty FastThreadLocal) creates its own values: {@code ThreadLocal.withInitial},
     *         or a subclass that overrides {@code initialValue()}
     */
    static boolean suppliesInitialValue(Object threadLocal) {
        for (Class<?> type = threadLocal.getClass(); type != null && type != ThreadLocal.class
                && type != InheritableThreadLocal.class && !type.getName().equals(FAST_THREAD_LOCAL);
                type = type.getSuperclass()) {
            if (type.getName().equals(SUPPLIED_THREAD_LOCAL)) {
                return true;
            }
            try {
                type.getDeclaredMethod("initialValue");
                return true;
            } catch (NoSuchMethodException | SecurityException | LinkageError e) {
                // Not overridden here; look further up.
            }
        }
        return false;
    }

    /** @return whether {@code type} is part of the JDK (boot or platform loader) */
    static boolean isJdk(Class<?> type) {
        ClassLoader loader = type.getClassLoader();
        return loader == null || loader == ClassLoader.getPlatformClassLoader();
    }

    /**
     * @param threadLocal the ThreadLocal to name
     * @param value       its value on the thread where it leaked, or null
     * @param hints       further classes to search (scope owner, opening stack)
     * @return e.g. {@code static com.acme.RequestContext.CURRENT}
     */
    static Optional<String> declaringField(Object threadLocal, Object value, Collection<Class<?>> hints) {
        Set<Class<?>> candidates = new LinkedHashSet<>();
        Class<?> definer = threadLocal instanceof ThreadLocal<?> local ? definingClass(local)
                : threadLocal.getClass().getName().equals(FAST_THREAD_LOCAL) ? null : threadLocal.getClass();
        if (definer != null) {
            addNest(candidates, definer);
        }
        if (value != null) {
            addNest(candidates, value.getClass());
        }
        for (Class<?> hint : hints) {
            addNest(candidates, hint);
        }
        for (Class<?> candidate : candidates) {
            Optional<String> found = search(candidate, threadLocal);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static void addNest(Set<Class<?>> out, Class<?> type) {
        if (type.isArray() || type.isPrimitive() || isJdk(type)) {
            return;
        }
        Class<?> host = type.getNestHost();
        out.add(type);
        out.add(host);
        // Classes compiled for Java 8 (much of Netty, older libraries) have no nest: an anonymous ThreadLocal is then
        // its own host, and only its enclosing class declares the field.
        for (Class<?> enclosing = type.getEnclosingClass(); enclosing != null; enclosing = enclosing.getEnclosingClass()) {
            if (!isJdk(enclosing)) {
                out.add(enclosing);
            }
        }
        try {
            for (Class<?> member : host.getNestMembers()) {
                out.add(member);
            }
        } catch (SecurityException | LinkageError e) {
            // A nest member that cannot be loaded cannot hold the ThreadLocal either.
        }
    }

    private static Optional<String> search(Class<?> type, Object threadLocal) {
        Field[] fields;
        try {
            fields = type.getDeclaredFields();
        } catch (SecurityException | LinkageError e) {
            return Optional.empty();
        }
        for (Field field : fields) {
            if (!Modifier.isStatic(field.getModifiers()) || !field.getType().isInstance(threadLocal)) {
                continue;
            }
            try {
                if (field.trySetAccessible() && field.get(null) == threadLocal) {
                    return Optional.of("static " + type.getName() + "." + field.getName());
                }
            } catch (IllegalAccessException | RuntimeException | LinkageError e) {
                // The field's class failed to initialize or is closed to us: it is not the one we are naming.
            }
        }
        return Optional.empty();
    }

    private static Object readSupplier(ThreadLocal<?> threadLocal) {
        try {
            Field supplier = threadLocal.getClass().getDeclaredField("supplier");
            return supplier.trySetAccessible() ? supplier.get(threadLocal) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
