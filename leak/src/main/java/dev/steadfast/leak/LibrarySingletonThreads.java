package dev.steadfast.leak;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Tells a library's JVM-wide singleton thread - started lazily for whichever scope needs it first, owned by the
 * library's static state, often with no API to stop it - from a thread the scope leaked. Such a thread is a
 * {@link LeakNote}, not a leak (unless the detector is strict).
 *
 * <p>A <em>library class</em> here is a class named in the thread's creation site that is not the JDK's, not a test
 * framework's, and not in the nest of a class of the code that opened the scope (the test class). A thread is a
 * library singleton when one of these holds, checked in this order:
 * <ol>
 *   <li><b>static holder</b>: it is a daemon thread constructed while a library class was being initialised (a
 *       {@code <clinit>} frame in its creation site). Static initialisation runs once per JVM, so no scope can start
 *       a second one; the test that first touched the class merely woke it.</li>
 *   <li><b>static owner</b>: the thread object itself is reachable from a static field of a library class named in
 *       its creation site, through at most {@value #MAX_HOPS} fields of that library's own objects (Netty's
 *       {@code GlobalEventExecutor.INSTANCE.thread}). Exact, so daemon or not.</li>
 *   <li><b>static executor</b>: it is a daemon thread a JDK executor started for a task that a library class (not
 *       the test) handed to it, and that class keeps a live {@link ExecutorService} in a static field. The JDK's
 *       executors cannot be read without opening {@code java.util.concurrent}, so the executor is recognised by who
 *       called it, not by identity.</li>
 * </ol>
 * What stays a leak: a thread of an executor, timer or event loop the test built (even from a library's thread
 * factory: then the test, not the library, called the executor), and any thread no static field of a library
 * class owns.
 */
final class LibrarySingletonThreads {

    static final String SOURCE = "rule: library singleton thread";
    /** Fields followed from a static field to the thread: {@code INSTANCE -> thread} is one. */
    static final int MAX_HOPS = 3;
    /** Objects visited per static field at most, so a library's large static graph costs little. */
    private static final int MAX_OBJECTS = 2_000;
    private static final String WHAT_TO_DO = "nothing: the library owns it (a thread held only by objects the test "
            + "created, or by an executor the test called, would have been reported as a leak); silence this note "
            + "with ignoreThreadsCreatedBy or ignoreThreads";

    private final Set<String> ownTopLevelClasses;
    private final ClassLoader loader;

    /**
     * @param ownClasses the classes of the code that opened the scope (the test class first); their nests are the
     *                   scope's own code, never a library
     * @param loader     loads the classes named in creation sites
     */
    LibrarySingletonThreads(Collection<Class<?>> ownClasses, ClassLoader loader) {
        Set<String> own = new LinkedHashSet<>();
        for (Class<?> type : ownClasses) {
            own.add(topLevel(type.getName()));
        }
        this.ownTopLevelClasses = Collections.unmodifiableSet(own);
        this.loader = loader;
    }

    /**
     * @param thread       a live thread started in the scope
     * @param creationSite where it was constructed, innermost first
     * @return why it is a library singleton, or empty when it is the scope's leak
     */
    Optional<String> why(Thread thread, List<StackTraceElement> creationSite) {
        for (StackTraceElement frame : creationSite) {
            if (frame.getMethodName().equals("<clinit>") && isLibrary(frame.getClassName())) {
                // A class being initialised may still be: reading its statics could wait for it, so stop here.
                return thread.isDaemon() ? Optional.of("constructed while " + frame.getClassName()
                        + " was being initialised (its static initialiser): one per JVM, owned by that class's static "
                        + "state; the scope only woke it") : Optional.empty();
            }
        }
        for (String className : libraryClasses(creationSite)) {
            Optional<String> path = staticPathTo(className, thread);
            if (path.isPresent()) {
                return Optional.of("a JVM-wide singleton of " + className + ": " + path.get() + " holds it; the "
                        + "library starts it for whichever scope needs it first");
            }
        }
        if (thread.isDaemon()) {
            return staticExecutorCaller(creationSite).map(field -> "started by a JDK executor for a task that "
                    + field.getDeclaringClass().getName() + " submitted, which keeps a live executor in static "
                    + field.getDeclaringClass().getSimpleName() + "." + field.getName() + ": the library's JVM-wide "
                    + "pool");
        }
        return Optional.empty();
    }

    /** The note for a singleton thread, in the report's words. */
    static LeakNote note(ThreadLeak leak, String why) {
        String subject = "thread \"" + leak.name() + "\" (" + (leak.daemon() ? "daemon" : "non-daemon") + ")";
        return new LeakNote(subject, SOURCE, why, WHAT_TO_DO);
    }

    private Set<String> libraryClasses(List<StackTraceElement> creationSite) {
        Set<String> names = new LinkedHashSet<>();
        for (StackTraceElement frame : creationSite) {
            if (Texts.isFrameworkFrame(frame)) {
                break; // below is the test runner calling the test
            }
            if (isLibrary(frame.getClassName())) {
                names.add(frame.getClassName());
            }
        }
        return names;
    }

    /** The static field of the library class that called into a JDK executor, when it holds a live executor. */
    private Optional<Field> staticExecutorCaller(List<StackTraceElement> creationSite) {
        int i = 0;
        while (i < creationSite.size() && !isJdkExecutor(creationSite.get(i).getClassName())) {
            i++;
        }
        while (i < creationSite.size() && isJdkName(creationSite.get(i).getClassName())) {
            i++;
        }
        if (i == creationSite.size() || Texts.isFrameworkFrame(creationSite.get(i))
                || !isLibrary(creationSite.get(i).getClassName())) {
            return Optional.empty();
        }
        Optional<Class<?>> caller = load(creationSite.get(i).getClassName());
        if (caller.isEmpty()) {
            return Optional.empty();
        }
        for (Field field : caller.get().getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && ExecutorService.class.isAssignableFrom(field.getType())) {
                Object value = read(field, null);
                if (value instanceof ExecutorService && !((ExecutorService) value).isShutdown()) {
                    return Optional.of(field);
                }
            }
        }
        return Optional.empty();
    }

    /** {@code static Foo.INSTANCE -> thread}, when a bounded walk through the library's own objects finds it. */
    private Optional<String> staticPathTo(String className, Thread thread) {
        Optional<Class<?>> type = load(className);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        for (Field field : type.get().getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) || field.getType().isPrimitive()) {
                continue;
            }
            Object value = read(field, null);
            if (value == null) {
                continue;
            }
            String start = "static " + type.get().getSimpleName() + "." + field.getName();
            if (value == thread) {
                return Optional.of(start);
            }
            Optional<String> rest = walk(value, thread);
            if (rest.isPresent()) {
                return Optional.of(start + rest.get());
            }
        }
        return Optional.empty();
    }

    /** Breadth-first through fields of non-JDK objects, at most {@value #MAX_HOPS} hops and MAX_OBJECTS objects. */
    private Optional<String> walk(Object root, Thread thread) {
        record Step(Object object, String path, int hops) {
        }
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Step> queue = new ArrayDeque<>();
        queue.add(new Step(root, "", 0));
        seen.add(root);
        while (!queue.isEmpty() && seen.size() < MAX_OBJECTS) {
            Step step = queue.poll();
            if (step.hops() == MAX_HOPS || ThreadLocalFields.isJdk(step.object().getClass())
                    || step.object().getClass().isArray()) {
                continue;
            }
            for (Class<?> c = step.object().getClass(); c != null && !ThreadLocalFields.isJdk(c); c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers()) || field.getType().isPrimitive()) {
                        continue;
                    }
                    Object value = read(field, step.object());
                    if (value == null || !seen.add(value)) {
                        continue;
                    }
                    String path = step.path() + " -> " + field.getName();
                    if (value == thread) {
                        return Optional.of(path);
                    }
                    queue.add(new Step(value, path, step.hops() + 1));
                }
            }
        }
        return Optional.empty();
    }

    private boolean isLibrary(String className) {
        return !isJdkName(className) && !ownTopLevelClasses.contains(topLevel(className))
                && !className.startsWith("org.junit.") && !className.startsWith("org.apache.maven.surefire.")
                && !className.startsWith("org.gradle.") && !className.startsWith("dev.steadfast.leak.");
    }

    private static boolean isJdkExecutor(String className) {
        return className.equals("java.util.concurrent.ThreadPoolExecutor")
                || className.equals("java.util.concurrent.ScheduledThreadPoolExecutor");
    }

    private static boolean isJdkName(String className) {
        return className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("jdk.")
                || className.startsWith("sun.") || className.startsWith("com.sun.");
    }

    private static String topLevel(String className) {
        int dollar = className.indexOf('$');
        return dollar < 0 ? className : className.substring(0, dollar);
    }

    private Optional<Class<?>> load(String className) {
        try {
            return Optional.of(Class.forName(className, false, loader));
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty(); // a class of another loader: no verdict from it, the thread stays a leak
        }
    }

    private static Object read(Field field, Object target) {
        try {
            field.setAccessible(true);
            return field.get(target);
        } catch (RuntimeException | IllegalAccessException e) {
            // A field of a module that is not open to us (InaccessibleObjectException): it proves nothing either way.
            return null;
        }
    }
}
