package dev.steadfast.leak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Attributes threads to the {@link LeakScope} whose thread (or a descendant) constructed them, without an agent.
 *
 * <p>The scope sets this inheritable ThreadLocal on its opening thread. {@code new Thread(...)} copies inheritable
 * entries into the new thread, calling {@link #childValue} <em>in the constructing thread</em>: that is where the
 * creation site and creator are recorded, into the child's own entry. A check then finds its threads by reading every
 * live thread's inheritable map for this marker. Each scope has its own marker instance, so scopes opened in parallel
 * (or nested) never see each other's threads. Threads built with {@code inheritThreadLocals=false} are not tracked.
 */
final class ScopeMarker extends InheritableThreadLocal<ScopeMarker.Origin> {

    /** The value on the opening thread itself, which was not created in the scope. */
    static final Origin OPENER = new Origin("", List.of());

    private final String scopeName;
    private final AtomicInteger threadsCreated = new AtomicInteger();
    private volatile boolean closed;

    ScopeMarker(String scopeName) {
        this.scopeName = scopeName;
    }

    @Override
    protected Origin childValue(Origin parentValue) {
        if (closed || parentValue == null) {
            return null;
        }
        threadsCreated.incrementAndGet();
        return new Origin(Thread.currentThread().getName(), creationSite(new Throwable().getStackTrace()));
    }

    /** @return threads constructed in the scope so far (alive or not) */
    int threadsCreated() {
        return threadsCreated.get();
    }

    /** @return the name of the scope this marker tracks, for reports that mention it */
    String scopeName() {
        return scopeName;
    }

    boolean isClosed() {
        return closed;
    }

    /** Stops attributing threads constructed from now on; the opening thread's entry is removed by the scope. */
    void close() {
        closed = true;
    }

    /**
     * Drops the frames of the inheritance machinery (this class, ThreadLocal, the Thread constructor) so the site
     * starts at the code that constructed the thread: an executor's {@code addWorker}, or the user's {@code new}.
     */
    static List<StackTraceElement> creationSite(StackTraceElement[] stack) {
        int first = 0;
        for (int i = 0; i < stack.length; i++) {
            String type = stack[i].getClassName();
            if (type.equals(ScopeMarker.class.getName()) || type.startsWith("java.lang.ThreadLocal")
                    || type.equals("java.lang.InheritableThreadLocal") || isThreadConstructor(stack[i])) {
                first = i + 1;
            }
        }
        return List.copyOf(new ArrayList<>(Arrays.asList(stack).subList(first, stack.length)));
    }

    private static boolean isThreadConstructor(StackTraceElement frame) {
        return frame.getClassName().equals("java.lang.Thread") && frame.getMethodName().equals("<init>")
                || frame.getClassName().startsWith("java.lang.Thread$Builder")
                || frame.getClassName().startsWith("java.lang.ThreadBuilders");
    }

    /**
     * Where a thread came from. Holds no reference to the scope, so a leaked thread does not keep the scope (or the
     * objects it watches) alive.
     *
     * @param creator      name of the constructing thread
     * @param creationSite its stack at construction, innermost first
     */
    record Origin(String creator, List<StackTraceElement> creationSite) {
    }
}
