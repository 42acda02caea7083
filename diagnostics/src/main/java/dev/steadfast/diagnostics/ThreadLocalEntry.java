package dev.steadfast.diagnostics;

import java.util.Objects;

/**
 * One live entry of a thread's ThreadLocal maps: which {@link ThreadLocal} holds which value on that thread.
 *
 * <p>Entries come from {@link ThreadLocalMaps#entries(Thread)}; {@code inheritable} says whether the entry lives in
 * the thread's {@code inheritableThreadLocals} map (an {@link InheritableThreadLocal}) rather than {@code threadLocals}.
 * The value may be {@code null} (a ThreadLocal explicitly set to {@code null} still occupies an entry).
 *
 * <pre>{@code
 * for (ThreadLocalEntry e : ThreadLocalMaps.create().entries(worker)) {
 *   System.out.println(e.threadLocal() + " = " + e.value() + (e.inheritable() ? " (inheritable)" : ""));
 * }
 * }</pre>
 *
 * @param threadLocal the ThreadLocal (the weakly referenced key of the entry, never {@code null} here)
 * @param value the value it holds on the thread, possibly {@code null}
 * @param inheritable whether the entry is in the inheritable map
 */
public record ThreadLocalEntry(ThreadLocal<?> threadLocal, Object value, boolean inheritable) {

  private static final String TERMINATING_THREAD_LOCAL = "jdk.internal.misc.TerminatingThreadLocal";

  /**
   * Validates the key.
   *
   * @throws NullPointerException if {@code threadLocal} is null
   */
  public ThreadLocalEntry {
    Objects.requireNonNull(threadLocal, "threadLocal");
  }

  /**
   * Whether this entry is one of the JDK's own deliberate per-thread caches (for example the NIO temporary direct
   * buffer cache, a {@code jdk.internal.misc.TerminatingThreadLocal}, and on JDK 17 the registry that tracks those).
   * Hygiene keeps such entries: removing them only costs the JDK its cache and, on JDK 17, cannot be done cleanly.
   *
   * @return true for JDK-internal cache entries
   */
  public boolean isJdkInternal() {
    if (isTerminatingThreadLocal(threadLocal)) {
      return true;
    }
    // JDK 17 keeps TerminatingThreadLocal.REGISTRY (a plain supplied ThreadLocal) in the same map: a collection
    // holding only TerminatingThreadLocals. The registry is not reachable without opening jdk.internal.misc.
    if (threadLocal.getClass().getClassLoader() == null && value instanceof java.util.Collection<?> c && !c.isEmpty()) {
      try {
        for (Object o : c) {
          if (!(o instanceof ThreadLocal<?> t) || !isTerminatingThreadLocal(t)) {
            return false;
          }
        }
        return true;
      } catch (RuntimeException concurrentlyModified) {
        // Read racily from another thread: not provably the registry, so not JDK-internal.
        return false;
      }
    }
    return false;
  }

  /**
   * A short description that never calls the value's {@code toString()} (values can be huge or throw).
   *
   * @return e.g. {@code ThreadLocal[com.acme.Cache$1@1b6d3586] = java.util.HashMap@4554617c (inheritable)}
   */
  @Override
  public String toString() {
    return "ThreadLocal[" + identity(threadLocal) + "] = " + identity(value) + (inheritable ? " (inheritable)" : "");
  }

  static String identity(Object o) {
    return o == null ? "null" : o.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(o));
  }

  private static boolean isTerminatingThreadLocal(ThreadLocal<?> threadLocal) {
    for (Class<?> c = threadLocal.getClass(); c != null && c != ThreadLocal.class; c = c.getSuperclass()) {
      if (c.getName().equals(TERMINATING_THREAD_LOCAL)) {
        return true;
      }
    }
    return false;
  }
}
