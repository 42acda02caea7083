package dev.steadfast.diagnostics;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads (and, for the calling thread, restores) the ThreadLocal maps of threads: the JDK keeps each thread's
 * ThreadLocal values in private fields ({@code Thread.threadLocals}, {@code Thread.inheritableThreadLocals}), which this
 * class reads through private lookups.
 *
 * <p>That needs the JVM option {@value #ADD_OPENS}. Without it {@link #create()} still succeeds, {@link #isAvailable()}
 * is false and {@link #unavailableReason()} says what to add; every reading method then throws
 * {@link IllegalStateException} with that reason.
 *
 * <p>Two uses:
 * <ul>
 *   <li>Inspection of any thread, {@link #entries(Thread)}: a best-effort, racy read when the thread is not the caller
 *       (its map may change while being read; entries are never torn, but one may be missed or seen twice across a
 *       resize).</li>
 *   <li>Hygiene of the calling thread: {@link #capture()} a {@link Snapshot} before running a task,
 *       {@link Snapshot#isUnchanged()} after it (a cheap identity comparison, no allocation), and only when something
 *       changed, {@link #restore(Snapshot, Predicate)} to remove what was added and put back what was replaced.</li>
 * </ul>
 *
 * <pre>{@code
 * ThreadLocalMaps maps = ThreadLocalMaps.create();
 * if (!maps.isAvailable()) {
 *   log.warn(maps.unavailableReason().orElseThrow());
 * }
 * ThreadLocalMaps.Snapshot before = maps.capture();
 * task.run();
 * if (!before.isUnchanged()) {
 *   ThreadLocalMaps.Restoration r = maps.restore(before, ThreadLocalEntry::isJdkInternal);
 *   before = r.after();
 * }
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ThreadLocalMaps {

  /** The JVM option that makes ThreadLocal maps readable for code on the class path. */
  public static final String ADD_OPENS = "--add-opens java.base/java.lang=ALL-UNNAMED";

  private static final Object[] NO_SLOTS = new Object[0];

  // static final so the JIT treats them as constants: the per-task fast path must cost a few nanoseconds.
  private static final MethodHandle THREAD_LOCALS; // (Thread) -> ThreadLocalMap as Object
  private static final MethodHandle INHERITABLE_THREAD_LOCALS; // (Thread) -> ThreadLocalMap as Object
  private static final MethodHandle TABLE; // (ThreadLocalMap as Object) -> Entry[] as Object[]
  private static final MethodHandle VALUE; // (Entry as Object) -> Object
  private static final MethodHandle EXPUNGE; // (ThreadLocalMap as Object) -> void; null if this JDK lacks it
  private static final String UNAVAILABLE_REASON; // null when available

  static {
    MethodHandle threadLocals = null;
    MethodHandle inheritable = null;
    MethodHandle table = null;
    MethodHandle value = null;
    MethodHandle expunge = null;
    String reason = null;
    try {
      MethodHandles.Lookup self = MethodHandles.lookup();
      Class<?> mapClass = Class.forName("java.lang.ThreadLocal$ThreadLocalMap");
      Class<?> entryClass = Class.forName("java.lang.ThreadLocal$ThreadLocalMap$Entry");
      MethodHandles.Lookup threadLookup = MethodHandles.privateLookupIn(Thread.class, self);
      MethodHandles.Lookup mapLookup = MethodHandles.privateLookupIn(mapClass, self);
      MethodType mapOfThread = MethodType.methodType(Object.class, Thread.class);
      threadLocals = threadLookup.findGetter(Thread.class, "threadLocals", mapClass).asType(mapOfThread);
      inheritable = threadLookup.findGetter(Thread.class, "inheritableThreadLocals", mapClass).asType(mapOfThread);
      table = mapLookup.findGetter(mapClass, "table", entryClass.arrayType())
          .asType(MethodType.methodType(Object[].class, Object.class));
      value = mapLookup.findGetter(entryClass, "value", Object.class)
          .asType(MethodType.methodType(Object.class, Object.class));
      try {
        expunge = mapLookup.findVirtual(mapClass, "expungeStaleEntries", MethodType.methodType(void.class))
            .asType(MethodType.methodType(void.class, Object.class));
      } catch (NoSuchMethodException e) {
        expunge = null; // only used to free values of collected ThreadLocals sooner; the JDK does it lazily anyway
      }
    } catch (IllegalAccessException e) {
      reason = "ThreadLocal maps cannot be read: package java.lang is not open to "
          + describe(ThreadLocalMaps.class.getModule()) + ". Start the JVM with " + ADD_OPENS
          + " (on the module path: --add-opens java.base/java.lang=<your module>). Cause: " + e.getMessage();
    } catch (ReflectiveOperationException | RuntimeException e) {
      reason = "ThreadLocal maps cannot be read on this JVM (" + System.getProperty("java.vm.name") + " "
          + Runtime.version() + "): its ThreadLocal implementation has no field the JDK's has (" + e
          + "); " + ADD_OPENS + " does not help here.";
    }
    THREAD_LOCALS = threadLocals;
    INHERITABLE_THREAD_LOCALS = inheritable;
    TABLE = table;
    VALUE = value;
    EXPUNGE = expunge;
    UNAVAILABLE_REASON = reason;
  }

  private final String unavailableReason;

  private ThreadLocalMaps(String unavailableReason) {
    this.unavailableReason = unavailableReason;
  }

  /**
   * Returns access to ThreadLocal maps; never throws. Check {@link #isAvailable()}.
   *
   * @return an instance, available when the JVM allows it
   */
  public static ThreadLocalMaps create() {
    return new ThreadLocalMaps(UNAVAILABLE_REASON);
  }

  /** Test seam: behaves exactly like an instance on a JVM started without {@value #ADD_OPENS}. */
  static ThreadLocalMaps unavailable(String reason) {
    return new ThreadLocalMaps(Objects.requireNonNull(reason, "reason"));
  }

  /**
   * Whether ThreadLocal maps can be read in this JVM.
   *
   * @return true when the reading methods work
   */
  public boolean isAvailable() {
    return unavailableReason == null;
  }

  /**
   * Why ThreadLocal maps cannot be read, naming the fix ({@value #ADD_OPENS}); empty when {@link #isAvailable()}.
   *
   * @return the reason, if unavailable
   */
  public Optional<String> unavailableReason() {
    return Optional.ofNullable(unavailableReason);
  }

  /**
   * The live entries of a thread's {@code threadLocals} and {@code inheritableThreadLocals} maps, regular entries first.
   * Entries whose ThreadLocal was already garbage-collected (stale, awaiting expunge) are left out.
   *
   * @param thread any thread (platform or virtual); a racy best-effort read unless it is the caller
   * @return the entries, in table order; empty when the thread has none
   * @throws IllegalStateException with {@link #unavailableReason()} when unavailable
   */
  public List<ThreadLocalEntry> entries(Thread thread) {
    Objects.requireNonNull(thread, "thread");
    requireAvailable();
    List<ThreadLocalEntry> out = new ArrayList<>();
    addLive(out, slots(threadLocals(thread)), false);
    addLive(out, slots(inheritableThreadLocals(thread)), true);
    return Collections.unmodifiableList(out);
  }

  /**
   * The number of live entries in a thread's two maps, without allocating entry objects.
   *
   * @param thread any thread; racy best-effort when not the caller
   * @return live entries (stale ones excluded)
   * @throws IllegalStateException with {@link #unavailableReason()} when unavailable
   */
  public int entryCount(Thread thread) {
    Objects.requireNonNull(thread, "thread");
    requireAvailable();
    return countLive(slots(threadLocals(thread))) + countLive(slots(inheritableThreadLocals(thread)));
  }

  /**
   * The number of stale entries in a thread's two maps: entries whose ThreadLocal was garbage-collected but whose
   * value the map still holds until the JDK happens to expunge it (a common hidden leak).
   *
   * @param thread any thread; racy best-effort when not the caller
   * @return stale entries
   * @throws IllegalStateException with {@link #unavailableReason()} when unavailable
   */
  public int staleEntryCount(Thread thread) {
    Objects.requireNonNull(thread, "thread");
    requireAvailable();
    return countStale(slots(threadLocals(thread))) + countStale(slots(inheritableThreadLocals(thread)));
  }

  /**
   * Captures the calling thread's ThreadLocal state, for {@link Snapshot#isUnchanged()} and
   * {@link #restore(Snapshot, Predicate)}. Costs a copy of the two map tables (16 slots each by default).
   *
   * @return the snapshot
   * @throws IllegalStateException with {@link #unavailableReason()} when unavailable
   */
  public Snapshot capture() {
    requireAvailable();
    return new Snapshot(Thread.currentThread());
  }

  /**
   * Returns the calling thread's ThreadLocal maps to the state of {@code before}: entries added since are removed
   * (unless {@code keepAdded} accepts them), entries whose value was replaced or that were removed get their earlier
   * value back, and entries present in {@code before} with the same value are left alone. Entries whose ThreadLocal
   * was already collected are expunged (their values freed); those that appeared since {@code before} count as
   * removed, also when collected while restoring (counts come from the state found on entry, not from a re-check).
   * Uses the public
   * {@link ThreadLocal#remove()} / {@link ThreadLocal#set(Object)} so subclasses keep their own bookkeeping. Then it
   * verifies the result; whatever could not be put back is listed in {@link Restoration#problems()}.
   *
   * @param before a snapshot taken by the calling thread
   * @param keepAdded entries added since {@code before} that must stay, e.g. {@link ThreadLocalEntry#isJdkInternal()}
   * @return what was done, and a fresh snapshot of the resulting state
   * @throws IllegalStateException when unavailable, or when {@code before} was captured by another thread
   */
  public Restoration restore(Snapshot before, Predicate<? super ThreadLocalEntry> keepAdded) {
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(keepAdded, "keepAdded");
    requireAvailable();
    Thread current = Thread.currentThread();
    if (before.thread != current) {
      throw new IllegalStateException("restore must run on the thread the snapshot was captured on: captured on '"
          + before.thread.getName() + "', called on '" + current.getName() + "'");
    }
    // Copies taken before touching anything, and counted from: a ThreadLocal collected while restoring leaves a stale
    // entry that the JDK may expunge during any later set()/remove(), so a re-check afterwards can miss it. Iterating
    // copies also keeps remove()'s reordering of the live table (it re-hashes the run after the slot) out of the way.
    Object[] regular = slots(threadLocals(current)).clone();
    Object[] inheritable = slots(inheritableThreadLocals(current)).clone();
    Undo undo = new Undo(keepAdded);
    undo.map(regular, before.entries, before.values, before.keys, false);
    undo.map(inheritable, before.inheritableEntries, before.inheritableValues, before.inheritableKeys, true);
    // Frees the values of stale entries, including those of ThreadLocals collected while the loops ran; counted above.
    expungeStale(threadLocals(current));
    expungeStale(inheritableThreadLocals(current));
    if (undo.problems.isEmpty() && undo.kept.isEmpty() && before.isUnchanged()) {
      // Back to exactly the captured state (the usual outcome): the snapshot stays valid and proves the result.
      return new Restoration(undo.removed, undo.restored, List.of(), before);
    }
    Snapshot after = new Snapshot(current);
    verify(before.liveValues(), undo.kept, after.liveValues(), undo.problems);
    return new Restoration(undo.removed, undo.restored, undo.problems, after);
  }

  /** One restore's work on the calling thread: what was removed, restored, kept, and what failed. */
  private static final class Undo {
    private final Predicate<? super ThreadLocalEntry> keepAdded;
    Map<ThreadLocal<?>, Object> kept = Map.of(); // replaced on the first kept entry: most restores keep nothing
    final List<String> problems = new ArrayList<>(0);
    int removed;
    int restored;

    Undo(Predicate<? super ThreadLocalEntry> keepAdded) {
      this.keepAdded = keepAdded;
    }

    /** Undoes the changes to one map: {@code now} is a copy of its table, the rest the snapshot of it. */
    void map(Object[] now, Object[] entries, Object[] values, WeakReference<?>[] keys, boolean inheritable) {
      boolean[] seen = new boolean[keys.length];
      for (int i = 0; i < now.length; i++) {
        Object entry = now[i];
        if (entry == null) {
          continue;
        }
        ThreadLocal<?> key = key(entry);
        if (key == null) {
          // Collected: its value goes when the map is expunged. One the task added counts as removed, whether the JDK
          // or expungeStale frees it; one already in the snapshot was not the task's.
          if (!contains(entries, i, entry)) {
            removed++;
          }
          continue;
        }
        int j = i < entries.length && entries[i] == entry ? i : indexOf(keys, key);
        Object value = value(entry);
        if (j >= 0) {
          seen[j] = true;
          if (value != values[j] && set(key, values[j], problems)) {
            restored++;
          }
        } else if (keepAdded.test(new ThreadLocalEntry(key, value, inheritable))) {
          if (kept.isEmpty()) {
            kept = new IdentityHashMap<>(4);
          }
          kept.put(key, value);
        } else if (remove(key, problems)) {
          removed++;
        }
      }
      for (int j = 0; j < keys.length; j++) {
        ThreadLocal<?> key = seen[j] || keys[j] == null ? null : (ThreadLocal<?>) keys[j].get();
        if (key != null && set(key, values[j], problems)) {
          restored++; // the task removed an entry that was there before
        }
      }
    }

    /** Whether {@code entry} (by identity) is in {@code entries}; checks its slot {@code i} first, no allocation. */
    private static boolean contains(Object[] entries, int i, Object entry) {
      if (i < entries.length && entries[i] == entry) {
        return true;
      }
      for (Object e : entries) {
        if (e == entry) {
          return true;
        }
      }
      return false;
    }

    private static int indexOf(WeakReference<?>[] keys, ThreadLocal<?> key) {
      for (int j = 0; j < keys.length; j++) {
        if (keys[j] != null && keys[j].get() == key) {
          return j;
        }
      }
      return -1;
    }
  }

  private static void verify(Map<ThreadLocal<?>, Object> expected, Map<ThreadLocal<?>, Object> kept,
      Map<ThreadLocal<?>, Object> actual, List<String> problems) {
    for (Map.Entry<ThreadLocal<?>, Object> e : expected.entrySet()) {
      if (!actual.containsKey(e.getKey()) || actual.get(e.getKey()) != e.getValue()) {
        problems.add("could not restore " + ThreadLocalEntry.identity(e.getKey()) + " to "
            + ThreadLocalEntry.identity(e.getValue()) + "; it holds "
            + (actual.containsKey(e.getKey()) ? ThreadLocalEntry.identity(actual.get(e.getKey())) : "nothing"));
      }
    }
    for (Map.Entry<ThreadLocal<?>, Object> e : actual.entrySet()) {
      if (!expected.containsKey(e.getKey()) && !kept.containsKey(e.getKey())) {
        problems.add("could not remove " + ThreadLocalEntry.identity(e.getKey()) + " holding "
            + ThreadLocalEntry.identity(e.getValue()));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean set(ThreadLocal<?> key, Object value, List<String> problems) {
    try {
      ((ThreadLocal<Object>) key).set(value);
      return true;
    } catch (RuntimeException e) {
      // A subclass's set() threw: the entry stays as the task left it; the caller learns it from problems.
      problems.add(ThreadLocalEntry.identity(key) + ".set() threw " + e);
      return false;
    }
  }

  private static boolean remove(ThreadLocal<?> key, List<String> problems) {
    try {
      key.remove();
      return true;
    } catch (RuntimeException e) {
      problems.add(ThreadLocalEntry.identity(key) + ".remove() threw " + e);
      return false;
    }
  }

  private void requireAvailable() {
    if (unavailableReason != null) {
      throw new IllegalStateException(unavailableReason);
    }
  }

  private static Object threadLocals(Thread thread) {
    try {
      return (Object) THREAD_LOCALS.invokeExact(thread);
    } catch (Throwable e) { // invokeExact is declared to throw Throwable; rethrow passes it on unchanged
      throw rethrow(e);
    }
  }

  private static Object inheritableThreadLocals(Thread thread) {
    try {
      return (Object) INHERITABLE_THREAD_LOCALS.invokeExact(thread);
    } catch (Throwable e) { // invokeExact is declared to throw Throwable; rethrow passes it on unchanged
      throw rethrow(e);
    }
  }

  /** The map's table; empty for no map or a map without table (JDK 21's "thread locals not supported" marker). */
  private static Object[] slots(Object map) {
    if (map == null) {
      return NO_SLOTS;
    }
    Object[] table;
    try {
      table = (Object[]) TABLE.invokeExact(map);
    } catch (Throwable e) { // invokeExact is declared to throw Throwable; rethrow passes it on unchanged
      throw rethrow(e);
    }
    return table == null ? NO_SLOTS : table;
  }

  private static Object value(Object entry) {
    try {
      return (Object) VALUE.invokeExact(entry);
    } catch (Throwable e) { // invokeExact is declared to throw Throwable; rethrow passes it on unchanged
      throw rethrow(e);
    }
  }

  private static ThreadLocal<?> key(Object entry) {
    return (ThreadLocal<?>) ((Reference<?>) entry).get();
  }

  private static void addLive(List<ThreadLocalEntry> out, Object[] slots, boolean inheritable) {
    for (Object entry : slots) {
      if (entry != null) {
        ThreadLocal<?> key = key(entry);
        if (key != null) {
          out.add(new ThreadLocalEntry(key, value(entry), inheritable));
        }
      }
    }
  }

  private static int countStale(Object[] slots) {
    int n = 0;
    for (Object entry : slots) {
      if (entry != null && key(entry) == null) {
        n++;
      }
    }
    return n;
  }

  /** Frees the values of entries whose ThreadLocal was collected (the JDK would do it only lazily). */
  private static void expungeStale(Object map) {
    if (EXPUNGE == null || countStale(slots(map)) == 0) {
      return;
    }
    try {
      EXPUNGE.invokeExact(map);
    } catch (Throwable e) { // invokeExact is declared to throw Throwable; rethrow passes it on unchanged
      throw rethrow(e);
    }
  }

  private static int countLive(Object[] slots) {
    int n = 0;
    for (Object entry : slots) {
      if (entry != null && key(entry) != null) {
        n++;
      }
    }
    return n;
  }

  private static RuntimeException rethrow(Throwable e) {
    // Field getters throw nothing checked; an Error (e.g. StackOverflowError) must propagate unchanged.
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    throw new IllegalStateException(e);
  }

  private static String describe(Module module) {
    return module.isNamed() ? "module " + module.getName() : "the unnamed module (class path)";
  }

  /**
   * The ThreadLocal state of one thread at one moment, taken by {@link #capture()} on that thread. Compares cheaply
   * with the thread's current state; holds the thread and the captured values strongly, so keep it no longer than
   * the thread itself.
   *
   * <pre>{@code
   * ThreadLocalMaps.Snapshot before = maps.capture();
   * task.run();
   * boolean clean = before.isUnchanged();
   * }</pre>
   */
  public static final class Snapshot {
    private final Thread thread;
    private final Object map;
    private final Object[] table;
    private final Object[] entries;
    private final Object[] values;
    private final WeakReference<?>[] keys;
    private final Object inheritableMap;
    private final Object[] inheritableTable;
    private final Object[] inheritableEntries;
    private final Object[] inheritableValues;
    private final WeakReference<?>[] inheritableKeys;

    private Snapshot(Thread thread) {
      this.thread = thread;
      this.map = threadLocals(thread);
      this.table = slots(map);
      this.entries = table.clone();
      this.values = valuesOf(entries);
      this.keys = keysOf(entries);
      this.inheritableMap = inheritableThreadLocals(thread);
      this.inheritableTable = slots(inheritableMap);
      this.inheritableEntries = inheritableTable.clone();
      this.inheritableValues = valuesOf(inheritableEntries);
      this.inheritableKeys = keysOf(inheritableEntries);
    }

    /**
     * The keys, held weakly by the snapshot itself: a task's {@code remove()} clears the map's own entry, and a
     * strong reference here would keep a ThreadLocal its owner dropped (and its class loader) alive.
     */
    private static WeakReference<?>[] keysOf(Object[] entries) {
      WeakReference<?>[] keys = new WeakReference<?>[entries.length];
      for (int i = 0; i < entries.length; i++) {
        if (entries[i] != null) {
          ThreadLocal<?> key = key(entries[i]);
          if (key != null) {
            keys[i] = new WeakReference<>(key);
          }
        }
      }
      return keys;
    }

    private static Object[] valuesOf(Object[] entries) {
      if (entries.length == 0) {
        return NO_SLOTS;
      }
      Object[] values = new Object[entries.length];
      for (int i = 0; i < entries.length; i++) {
        if (entries[i] != null) {
          values[i] = value(entries[i]);
        }
      }
      return values;
    }

    /**
     * The thread this snapshot was taken on.
     *
     * @return the thread
     */
    public Thread thread() {
      return thread;
    }

    /**
     * Whether the thread's maps are exactly as captured: same maps, same tables, same entries, same values (by
     * identity). Allocates nothing. A {@code false} may be a harmless reshuffle (e.g. a stale entry expunged);
     * {@link ThreadLocalMaps#restore(Snapshot, Predicate)} sorts that out. Exact when called on {@link #thread()}.
     *
     * @return true when nothing changed since the capture
     */
    public boolean isUnchanged() {
      return same(threadLocals(thread), map, table, entries, values)
          && same(inheritableThreadLocals(thread), inheritableMap, inheritableTable, inheritableEntries,
          inheritableValues);
    }

    private static boolean same(Object currentMap, Object map, Object[] table, Object[] entries, Object[] values) {
      if (currentMap != map) {
        return false;
      }
      if (currentMap == null) {
        return true;
      }
      Object[] current = slots(currentMap);
      if (current != table) {
        return false;
      }
      for (int i = 0; i < entries.length; i++) {
        Object entry = current[i];
        if (entry != entries[i] || (entry != null && value(entry) != values[i])) {
          return false;
        }
      }
      return true;
    }

    /**
     * The live entries as captured (an entry whose ThreadLocal has been collected since is left out).
     *
     * @return the entries, regular ones first
     */
    public List<ThreadLocalEntry> entries() {
      List<ThreadLocalEntry> out = new ArrayList<>();
      addCaptured(out, keys, values, false);
      addCaptured(out, inheritableKeys, inheritableValues, true);
      return Collections.unmodifiableList(out);
    }

    private static void addCaptured(List<ThreadLocalEntry> out, WeakReference<?>[] keys, Object[] values,
        boolean inh) {
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != null) {
          ThreadLocal<?> key = (ThreadLocal<?>) keys[i].get();
          if (key != null) {
            out.add(new ThreadLocalEntry(key, values[i], inh));
          }
        }
      }
    }

    Map<ThreadLocal<?>, Object> liveValues() {
      Map<ThreadLocal<?>, Object> out = new IdentityHashMap<>();
      for (ThreadLocalEntry e : entries()) {
        out.put(e.threadLocal(), e.value());
      }
      return out;
    }

    /**
     * Number of live entries captured.
     *
     * @return the count
     */
    public int size() {
      return entries().size();
    }

    @Override
    public String toString() {
      return "ThreadLocal snapshot of '" + thread.getName() + "': " + entries();
    }
  }

  /**
   * What {@link #restore(Snapshot, Predicate)} did: entries removed, entries given their earlier value back, and
   * anything it could not clean (then the thread is best replaced).
   *
   * <pre>{@code
   * ThreadLocalMaps.Restoration r = maps.restore(before, ThreadLocalEntry::isJdkInternal);
   * if (!r.isClean()) {
   *   log.warn("renewing {}: {}", Thread.currentThread().getName(), r.problems());
   * }
   * }</pre>
   */
  public static final class Restoration {
    private final int removed;
    private final int restored;
    private final List<String> problems;
    private final Snapshot after;

    private Restoration(int removed, int restored, List<String> problems, Snapshot after) {
      this.removed = removed;
      this.restored = restored;
      this.problems = List.copyOf(problems);
      this.after = after;
    }

    /**
     * Entries the task had added and that were removed.
     *
     * @return the count
     */
    public int removed() {
      return removed;
    }

    /**
     * Entries the task had replaced or removed and that got their earlier value back.
     *
     * @return the count
     */
    public int restored() {
      return restored;
    }

    /**
     * What could not be cleaned, one readable line each; empty when {@link #isClean()}.
     *
     * @return the problems
     */
    public List<String> problems() {
      return problems;
    }

    /**
     * Whether the thread is back to its earlier state (plus the kept additions).
     *
     * @return true when there are no problems
     */
    public boolean isClean() {
      return problems.isEmpty();
    }

    /**
     * A snapshot of the state after restoring, to compare the next task against.
     *
     * @return the snapshot
     */
    public Snapshot after() {
      return after;
    }

    @Override
    public String toString() {
      return "removed " + removed + ", restored " + restored + (problems.isEmpty() ? "" : ", problems " + problems);
    }
  }
}
