package dev.steadfast.leak;

import java.util.List;

/**
 * Formats where a leaked thread was constructed so the reader lands on their own code: the thread-construction
 * plumbing on top is replaced by one {@code via ...} line naming what created the thread, and the test framework
 * below the test's code is cut to a count.
 *
 * <p>The captured site is kept whole in {@link ThreadLeak#creationSite()}; only the text is shortened.
 */
final class CreationSiteFormat {

    private CreationSiteFormat() {
    }

    /**
     * Appends the site, innermost first, one frame per line. Falls back to the untrimmed frames when everything above
     * the test framework is plumbing (a thread created by the plumbing's own tests), so something is always printed.
     */
    static void append(StringBuilder out, String indent, List<StackTraceElement> site, int maxFrames) {
        int firstOwn = 0;
        while (firstOwn < site.size() && (isPlumbing(site.get(firstOwn)) || isFactory(site, firstOwn))) {
            firstOwn++;
        }
        if (firstOwn == site.size() || Texts.isFrameworkFrame(site.get(firstOwn))) {
            firstOwn = 0;
        }
        String via = via(site, firstOwn);
        if (via != null) {
            out.append(indent).append("via ").append(via).append('\n');
        }
        // Cut below the first own frame only: in the fallback, the first frame may itself be the framework's.
        int frameworkStart = Math.min(firstOwn + 1, site.size());
        while (frameworkStart < site.size() && !Texts.isFrameworkFrame(site.get(frameworkStart))) {
            frameworkStart++;
        }
        int end = Math.min(frameworkStart, firstOwn + maxFrames);
        for (int i = firstOwn; i < end; i++) {
            out.append(indent).append("at ").append(Texts.frame(site.get(i))).append('\n');
        }
        if (end < frameworkStart) {
            out.append(indent).append("... ").append(site.size() - end).append(" more frames\n");
        } else if (end < site.size()) {
            out.append(indent).append("... ").append(site.size() - end).append(" more frames (test framework)\n");
        }
    }

    /**
     * What created the thread, from the trimmed frames: the outermost creating call (the executor or library entry
     * point the user's code called) and the thread factory with its location (a lambda factory is only recognisable
     * by its place in the stack). Null when the user's code called the Thread constructor itself: the first printed
     * frame already says so.
     */
    private static String via(List<StackTraceElement> site, int trimmed) {
        StackTraceElement entry = null;
        StackTraceElement factory = null;
        for (int i = 0; i < trimmed; i++) {
            StackTraceElement frame = site.get(i);
            if (isInheritanceMachinery(frame)) {
                continue;
            }
            entry = frame;
            if (factory == null && isFactory(site, i)) {
                factory = frame;
            }
        }
        if (entry == null) {
            return null;
        }
        String text = Texts.className(entry.getClassName()) + "." + entry.getMethodName();
        return factory == null || factory == entry ? text : text + " (thread factory " + Texts.frame(factory) + ")";
    }

    /** A ThreadFactory's frame: named {@code newThread}, or (a lambda factory) called by an executor's worker. */
    private static boolean isFactory(List<StackTraceElement> site, int index) {
        if (site.get(index).getMethodName().equals("newThread")) {
            return true;
        }
        if (index + 1 >= site.size()) {
            return false;
        }
        StackTraceElement caller = site.get(index + 1);
        return caller.getClassName().equals("java.util.concurrent.ThreadPoolExecutor$Worker")
                && caller.getMethodName().equals("<init>");
    }

    /** Frames that construct a thread on behalf of the code that asked for it. */
    static boolean isPlumbing(StackTraceElement frame) {
        String type = frame.getClassName();
        return isInheritanceMachinery(frame)
                || type.startsWith("dev.steadfast.threads.")
                || type.startsWith("java.util.concurrent.ThreadPoolExecutor")
                || type.startsWith("java.util.concurrent.ScheduledThreadPoolExecutor")
                || type.startsWith("java.util.concurrent.ForkJoinPool")
                || type.startsWith("java.util.concurrent.ForkJoinWorkerThread");
    }

    /** The JDK's copying of inheritable ThreadLocals into a new thread, and our marker that records the site. */
    private static boolean isInheritanceMachinery(StackTraceElement frame) {
        String type = frame.getClassName();
        return type.equals(ScopeMarker.class.getName()) || type.startsWith(ScopeMarker.class.getName() + "$")
                || type.startsWith("java.lang.ThreadLocal") || type.equals("java.lang.InheritableThreadLocal")
                || type.equals("java.lang.Thread") && frame.getMethodName().equals("<init>")
                || type.startsWith("java.lang.Thread$Builder") || type.startsWith("java.lang.ThreadBuilders");
    }
}
