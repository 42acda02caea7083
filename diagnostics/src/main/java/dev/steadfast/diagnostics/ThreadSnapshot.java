package dev.steadfast.diagnostics;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one thread was doing at one moment: identity, state, full stack, the lock it waits for (and who owns it),
 * and the monitors and ownable synchronizers it holds. Immutable; safe to keep after the thread is gone.
 *
 * <p>{@link #toString()} is a jstack-like block:
 * <pre>{@code
 * ThreadSnapshot snapshot = ThreadSnapshot.of(stuckThread);
 * log.warn("step is stuck:\n{}", snapshot);
 * // "step-db" #31 daemon prio=5 BLOCKED (on object monitor)
 * //     at com.example.Pool.borrow(Pool.java:42)
 * //     - waiting to lock <0x1b6d3586> (a java.lang.Object) owned by "step-cache" #32
 * //     - locked <0x4554617c> (a com.example.Pool)
 * //     ...
 * }</pre>
 *
 * <p>Snapshots of platform threads come from {@link ThreadMXBean} (so they carry lock information); threads the MXBean
 * does not know (virtual threads, or a thread that has just ended) are described from the {@link Thread} object alone,
 * without lock information.
 */
public final class ThreadSnapshot {

    private static final String PARK_METHOD = "park";

    private final long id;
    private final String name;
    private final Thread.State state;
    private final boolean daemon;
    private final int priority;
    private final boolean inNative;
    private final boolean suspended;
    private final List<StackTraceElement> stack;
    private final LockIdentity lock;
    private final long lockOwnerId;
    private final String lockOwnerName;
    private final List<LockedMonitor> lockedMonitors;
    private final List<LockIdentity> lockedSynchronizers;
    private final String awaitedClassInitialization;

    private ThreadSnapshot(long id, String name, Thread.State state, boolean daemon, int priority, boolean inNative,
                           boolean suspended, List<StackTraceElement> stack, LockIdentity lock, long lockOwnerId,
                           String lockOwnerName, List<LockedMonitor> lockedMonitors,
                           List<LockIdentity> lockedSynchronizers, String awaitedClassInitialization) {
        this.id = id;
        this.name = name == null ? "" : name;
        this.state = Objects.requireNonNull(state, "state");
        this.daemon = daemon;
        this.priority = priority;
        this.inNative = inNative;
        this.suspended = suspended;
        this.stack = List.copyOf(stack);
        this.lock = lock;
        this.lockOwnerId = lockOwnerId;
        this.lockOwnerName = lockOwnerName;
        this.lockedMonitors = List.copyOf(lockedMonitors);
        this.lockedSynchronizers = List.copyOf(lockedSynchronizers);
        this.awaitedClassInitialization = awaitedClassInitialization;
    }

    /**
     * Captures one thread now, with the monitors and synchronizers it holds when the JVM supports reporting them.
     *
     * @param thread the thread; not null. A thread that has ended (or one the MXBean does not report, such as a
     *               virtual thread) is described from the {@code Thread} object, without lock information.
     * @return the snapshot
     */
    public static ThreadSnapshot of(Thread thread) {
        Objects.requireNonNull(thread, "thread");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ThreadInfo[] infos = mx.getThreadInfo(new long[] {thread.getId()},
                mx.isObjectMonitorUsageSupported(), mx.isSynchronizerUsageSupported());
        if (infos.length == 1 && infos[0] != null) {
            return from(infos[0]);
        }
        return fromThreadObject(thread);
    }

    /**
     * Converts the JDK's management view of a thread.
     *
     * @param info thread info, ideally captured with locked monitors and synchronizers; not null
     * @return the snapshot
     */
    public static ThreadSnapshot from(ThreadInfo info) {
        Objects.requireNonNull(info, "info");
        LockInfo lockInfo = info.getLockInfo();
        List<LockedMonitor> monitors = new ArrayList<>();
        for (MonitorInfo monitor : info.getLockedMonitors()) {
            monitors.add(new LockedMonitor(LockIdentity.of(monitor), Math.max(-1, monitor.getLockedStackDepth())));
        }
        List<LockIdentity> synchronizers = new ArrayList<>();
        for (LockInfo synchronizer : info.getLockedSynchronizers()) {
            synchronizers.add(LockIdentity.of(synchronizer));
        }
        return new ThreadSnapshot(info.getThreadId(), info.getThreadName(), info.getThreadState(), info.isDaemon(),
                info.getPriority(), info.isInNative(), info.isSuspended(), Arrays.asList(info.getStackTrace()),
                lockInfo == null ? null : LockIdentity.of(lockInfo), info.getLockOwnerId(), info.getLockOwnerName(),
                monitors, synchronizers, null);
    }

    private static ThreadSnapshot fromThreadObject(Thread thread) {
        return new ThreadSnapshot(thread.getId(), thread.getName(), thread.getState(), thread.isDaemon(),
                thread.getPriority(), false, false, Arrays.asList(thread.getStackTrace()), null, -1, null,
                List.of(), List.of(), null);
    }

    /** This snapshot, plus the class-initialization wait that only the JVM's text thread dump reveals. */
    ThreadSnapshot withAwaitedClassInitialization(String className) {
        return new ThreadSnapshot(id, name, state, daemon, priority, inNative, suspended, stack, lock, lockOwnerId,
                lockOwnerName, lockedMonitors, lockedSynchronizers, Objects.requireNonNull(className, "className"));
    }

    /** @return the thread id ({@link Thread#getId()}) */
    public long id() {
        return id;
    }

    /** @return the thread name at capture time */
    public String name() {
        return name;
    }

    /** @return the thread state at capture time */
    public Thread.State state() {
        return state;
    }

    /** @return whether the thread is a daemon */
    public boolean daemon() {
        return daemon;
    }

    /** @return the thread priority */
    public int priority() {
        return priority;
    }

    /** @return whether the thread was executing native code */
    public boolean inNative() {
        return inNative;
    }

    /** @return whether the thread was suspended */
    public boolean suspended() {
        return suspended;
    }

    /** @return the full stack, innermost frame first; empty when the thread had no Java frames */
    public List<StackTraceElement> stack() {
        return stack;
    }

    /** @return the monitor or synchronizer this thread was blocked on or waiting for, if any */
    public Optional<LockIdentity> lock() {
        return Optional.ofNullable(lock);
    }

    /** @return the lock this thread was waiting for in {@code className@hash} form, as {@link ThreadInfo#getLockName()} */
    public Optional<String> lockName() {
        return lock().map(LockIdentity::lockName);
    }

    /** @return id of the thread owning the lock this thread waits for, if it is owned by a thread */
    public OptionalLong lockOwnerId() {
        return lockOwnerId < 0 ? OptionalLong.empty() : OptionalLong.of(lockOwnerId);
    }

    /** @return name of the thread owning the lock this thread waits for, if it is owned by a thread */
    public Optional<String> lockOwnerName() {
        return lockOwnerId < 0 ? Optional.empty() : Optional.ofNullable(lockOwnerName);
    }

    /** @return monitors ({@code synchronized}) this thread held, innermost first */
    public List<LockedMonitor> lockedMonitors() {
        return lockedMonitors;
    }

    /** @return ownable synchronizers (e.g. {@code ReentrantLock}, write side of {@code ReentrantReadWriteLock}) held */
    public List<LockIdentity> lockedSynchronizers() {
        return lockedSynchronizers;
    }

    /**
     * The class this thread waits for another thread to finish initializing. Known only in snapshots from a
     * {@link DeadlockReport#threadDump()} (the JVM reports this wait in its text thread dump alone); empty elsewhere.
     *
     * @return binary name of the awaited class, if the thread was seen waiting for one
     */
    public Optional<String> awaitedClassInitialization() {
        return Optional.ofNullable(awaitedClassInitialization);
    }

    /**
     * Classes whose static initializer ({@code <clinit>}) is on this thread's stack, innermost first. If the thread
     * never leaves one, that class stays unusable ({@code NoClassDefFoundError}) for the life of its class loader.
     *
     * @return binary class names, without repeats
     */
    public List<String> classesBeingInitialized() {
        List<String> classes = new ArrayList<>(2);
        for (StackTraceElement frame : stack) {
            if ("<clinit>".equals(frame.getMethodName()) && !classes.contains(frame.getClassName())) {
                classes.add(frame.getClassName());
            }
        }
        return List.copyOf(classes);
    }

    /**
     * Whether this thread runs (or waits inside) the static initializer of a class with this name.
     *
     * @param className binary class name
     * @return true when a {@code className.<clinit>} frame is on the stack
     */
    public boolean isInitializing(String className) {
        for (StackTraceElement frame : stack) {
            if ("<clinit>".equals(frame.getMethodName()) && frame.getClassName().equals(className)) {
                return true;
            }
        }
        return false;
    }

    /** @return {@code "name" #id} as jstack names a thread */
    public String label() {
        return label(name, id);
    }

    static String label(String name, long id) {
        return '"' + name + "\" #" + id;
    }

    /**
     * @return a jstack-like block: header line, frames with {@code - locked}/{@code - waiting to lock ... owned by}
     * lines under the frame they belong to, and the held ownable synchronizers; ends with a newline
     */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(256 + stack.size() * 80);
        appendTo(out);
        return out.toString();
    }

    void appendTo(StringBuilder out) {
        out.append(label());
        if (daemon) {
            out.append(" daemon");
        }
        out.append(" prio=").append(priority).append(' ').append(state);
        String detail = stateDetail();
        if (!detail.isEmpty()) {
            out.append(" (").append(detail).append(')');
        }
        if (inNative) {
            out.append(" (in native)");
        }
        if (suspended) {
            out.append(" (suspended)");
        }
        out.append('\n');
        for (int depth = 0; depth < stack.size(); depth++) {
            out.append("\tat ").append(stack.get(depth)).append('\n');
            if (depth == 0) {
                appendWaitLine(out);
            }
            for (LockedMonitor held : lockedMonitors) {
                if (held.stackDepth() == depth) {
                    out.append("\t- locked ").append(held.lock()).append('\n');
                }
            }
        }
        if (stack.isEmpty()) {
            appendWaitLine(out);
        }
        for (LockedMonitor held : lockedMonitors) {
            if (held.stackDepth() < 0) {
                out.append("\t- locked ").append(held.lock()).append(" (by native code)\n");
            }
        }
        if (!lockedSynchronizers.isEmpty()) {
            out.append("\n   Locked ownable synchronizers:\n");
            for (LockIdentity synchronizer : lockedSynchronizers) {
                out.append("\t- ").append(synchronizer).append('\n');
            }
        }
    }

    private void appendWaitLine(StringBuilder out) {
        if (awaitedClassInitialization != null) {
            out.append("\t- waiting on the Class initialization monitor for ").append(awaitedClassInitialization)
                    .append('\n');
        }
        if (lock == null) {
            return;
        }
        String verb;
        if (state == Thread.State.BLOCKED) {
            verb = "waiting to lock";
        } else if (isParked()) {
            verb = "parking to wait for";
        } else {
            verb = "waiting on";
        }
        out.append("\t- ").append(verb).append(' ').append(lock);
        if (lockOwnerId >= 0) {
            out.append(" owned by ").append(label(lockOwnerName == null ? "?" : lockOwnerName, lockOwnerId));
        }
        out.append('\n');
    }

    private boolean isParked() {
        return !stack.isEmpty() && PARK_METHOD.equals(stack.get(0).getMethodName())
                && stack.get(0).getClassName().endsWith(".Unsafe");
    }

    private String stateDetail() {
        switch (state) {
            case BLOCKED:
                return "on object monitor";
            case WAITING:
            case TIMED_WAITING:
                if (stack.isEmpty()) {
                    return "";
                }
                if (isParked()) {
                    return "parking";
                }
                String method = stack.get(0).getMethodName();
                if ("sleep".equals(method) || "sleep0".equals(method)) {
                    return "sleeping";
                }
                return lock == null ? "" : "on object monitor";
            default:
                return "";
        }
    }
}
