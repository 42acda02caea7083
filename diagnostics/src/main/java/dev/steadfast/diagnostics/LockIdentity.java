package dev.steadfast.diagnostics;

import java.lang.management.LockInfo;
import java.util.Objects;

/**
 * Identifies one lock object (a monitor or an ownable synchronizer such as a {@code ReentrantLock}'s sync) the way
 * {@code jstack} does: its class and identity hash code. Two identities are equal when they name the same object.
 *
 * <p>{@link #toString()} is the jstack form, so lock lines of different threads can be matched by eye:
 * <pre>{@code
 * LockIdentity lock = LockIdentity.of(new Object());
 * lock.toString();   // "<0x1b6d3586> (a java.lang.Object)"
 * }</pre>
 *
 * @param className         binary name of the lock object's class, e.g. {@code java.lang.Object}
 * @param identityHashCode  {@link System#identityHashCode(Object)} of the lock object
 */
public record LockIdentity(String className, int identityHashCode) {

    /**
     * Checks that the class name is present.
     *
     * @param className        binary name of the lock object's class
     * @param identityHashCode identity hash code of the lock object
     */
    public LockIdentity {
        Objects.requireNonNull(className, "className");
    }

    /**
     * The identity of a live object used as a lock.
     *
     * @param lock the object; not null
     * @return its identity
     */
    public static LockIdentity of(Object lock) {
        Objects.requireNonNull(lock, "lock");
        return new LockIdentity(lock.getClass().getName(), System.identityHashCode(lock));
    }

    /**
     * Converts the JDK's management view of a lock.
     *
     * @param info lock info from a {@link java.lang.management.ThreadInfo}; not null
     * @return the same lock as a value
     */
    public static LockIdentity of(LockInfo info) {
        Objects.requireNonNull(info, "info");
        return new LockIdentity(info.getClassName(), info.getIdentityHashCode());
    }

    /**
     * The short {@code className@hash} form that {@link LockInfo#toString()} and
     * {@link java.lang.management.ThreadInfo#getLockName()} use.
     *
     * @return e.g. {@code java.lang.Object@1b6d3586}
     */
    public String lockName() {
        return className + '@' + Integer.toHexString(identityHashCode);
    }

    /** @return the jstack form, e.g. {@code <0x1b6d3586> (a java.lang.Object)} */
    @Override
    public String toString() {
        return String.format("<0x%08x> (a %s)", identityHashCode, className);
    }
}
