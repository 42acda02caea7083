package dev.steadfast.diagnostics;

import java.util.Objects;

/**
 * A monitor ({@code synchronized}) held by a thread, with the stack depth of the frame that locked it, so a thread
 * dump can print {@code - locked <0x...>} under the right frame.
 *
 * <pre>{@code
 * for (LockedMonitor held : ThreadSnapshot.of(thread).lockedMonitors()) {
 *     System.out.println(held.lock() + " locked at frame " + held.stackDepth());
 * }
 * }</pre>
 *
 * @param lock       the monitor's identity
 * @param stackDepth index into {@link ThreadSnapshot#stack()} of the frame that locked it, or {@code -1} when it was
 *                   locked by native code (JNI) and no frame can be named
 */
public record LockedMonitor(LockIdentity lock, int stackDepth) {

    /**
     * Checks that the lock is present and the depth is not below -1.
     *
     * @param lock       the monitor's identity
     * @param stackDepth frame index, or -1 for a monitor locked by native code
     * @throws IllegalArgumentException if {@code stackDepth < -1}
     */
    public LockedMonitor {
        Objects.requireNonNull(lock, "lock");
        if (stackDepth < -1) {
            throw new IllegalArgumentException("stackDepth must be -1 (JNI) or a frame index: " + stackDepth);
        }
    }
}
