package dev.steadfast.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThreadLocalMapsTest {

  private final ThreadLocalMaps maps = ThreadLocalMaps.create();

  @Test
  void create_withAddOpens_isAvailable() {
    assertThat(maps.isAvailable()).isTrue();
    assertThat(maps.unavailableReason()).isEmpty();
  }

  @Test
  void entries_ofCallingThread_listRegularAndInheritableEntries() throws Exception {
    ThreadLocal<String> plain = new ThreadLocal<>();
    InheritableThreadLocal<String> inheritable = new InheritableThreadLocal<>();
    List<ThreadLocalEntry> seen = onFreshThread(() -> {
      plain.set("p");
      inheritable.set("i");
      return maps.entries(Thread.currentThread());
    });
    assertThat(seen).contains(new ThreadLocalEntry(plain, "p", false), new ThreadLocalEntry(inheritable, "i", true));
  }

  @Test
  void entries_ofAnotherThread_seeItsValues() throws Exception {
    ThreadLocal<String> local = new ThreadLocal<>();
    CountDownLatch set = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread other = new Thread(() -> {
      local.set("theirs");
      set.countDown();
      await(done);
    }, "tl-maps-other");
    other.start();
    try {
      assertThat(set.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(maps.entries(other)).contains(new ThreadLocalEntry(local, "theirs", false));
      assertThat(maps.entryCount(other)).isGreaterThanOrEqualTo(1);
    } finally {
      done.countDown();
      other.join();
    }
  }

  @Test
  void entries_ofVirtualThread_seeItsValues() throws Exception {
    assumeThat(Runtime.version().feature()).as("virtual threads need JDK 21+").isGreaterThanOrEqualTo(21);
    ThreadLocal<String> local = new ThreadLocal<>();
    AtomicReference<List<ThreadLocalEntry>> seen = new AtomicReference<>();
    Runnable body = () -> {
      local.set("virtual");
      seen.set(maps.entries(Thread.currentThread()));
    };
    Method startVirtualThread = Thread.class.getMethod("startVirtualThread", Runnable.class);
    Thread virtual = (Thread) startVirtualThread.invoke(null, body);
    virtual.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(virtual.isAlive()).isFalse();
    assertThat(seen.get()).containsExactly(new ThreadLocalEntry(local, "virtual", false));
  }

  @Test
  void isUnchanged_whenNothingTouchedThreadLocals_isTrue() throws Exception {
    ThreadLocal<String> present = new ThreadLocal<>();
    boolean unchanged = onFreshThread(() -> {
      present.set("before");
      ThreadLocalMaps.Snapshot before = maps.capture();
      present.get();
      return before.isUnchanged();
    });
    assertThat(unchanged).isTrue();
  }

  @Test
  void isUnchanged_afterAddingAnEntry_isFalse() throws Exception {
    ThreadLocal<String> added = new ThreadLocal<>();
    boolean unchanged = onFreshThread(() -> {
      ThreadLocalMaps.Snapshot before = maps.capture();
      added.set("x");
      return before.isUnchanged();
    });
    assertThat(unchanged).isFalse();
  }

  @Test
  void isUnchanged_afterReplacingAValue_isFalse() throws Exception {
    ThreadLocal<String> present = new ThreadLocal<>();
    boolean unchanged = onFreshThread(() -> {
      present.set("before");
      ThreadLocalMaps.Snapshot before = maps.capture();
      present.set("after");
      return before.isUnchanged();
    });
    assertThat(unchanged).isFalse();
  }

  @Test
  void restore_removesAddedRestoresReplacedAndKeepsPreExisting() throws Exception {
    ThreadLocal<String> kept = new ThreadLocal<>();
    ThreadLocal<String> replaced = new ThreadLocal<>();
    ThreadLocal<String> removedByTask = new ThreadLocal<>();
    ThreadLocal<String> added = new ThreadLocal<>();
    InheritableThreadLocal<String> addedInheritable = new InheritableThreadLocal<>();
    AtomicReference<ThreadLocalMaps.Restoration> result = new AtomicReference<>();
    List<ThreadLocalEntry> after = onFreshThread(() -> {
      kept.set("cache");
      replaced.set("old");
      removedByTask.set("gone?");
      ThreadLocalMaps.Snapshot before = maps.capture();
      replaced.set("new");
      removedByTask.remove();
      added.set("leak");
      addedInheritable.set("leak too");
      result.set(maps.restore(before, e -> false));
      assertThat(result.get().after().isUnchanged()).isTrue();
      return maps.entries(Thread.currentThread());
    });
    assertThat(after).containsExactlyInAnyOrder(new ThreadLocalEntry(kept, "cache", false),
        new ThreadLocalEntry(replaced, "old", false), new ThreadLocalEntry(removedByTask, "gone?", false));
    assertThat(result.get().removed()).isEqualTo(2);
    assertThat(result.get().restored()).isEqualTo(2);
    assertThat(result.get().isClean()).as(result.get().toString()).isTrue();
  }

  @Test
  void restore_backToTheCapturedState_keepsUsingTheSameSnapshot() throws Exception {
    ThreadLocal<String> present = new ThreadLocal<>();
    ThreadLocal<String> forgotten = new ThreadLocal<>();
    boolean same = onFreshThread(() -> {
      present.set("cache");
      ThreadLocalMaps.Snapshot before = maps.capture();
      forgotten.set("request data");
      ThreadLocalMaps.Restoration r = maps.restore(before, e -> false);
      return r.after() == before && r.removed() == 1 && before.isUnchanged();
    });
    assertThat(same).isTrue();
  }

  @Test
  void restore_keepsAddedEntriesTheCallerWantsKept() throws Exception {
    ThreadLocal<String> cache = new ThreadLocal<>();
    ThreadLocal<String> leak = new ThreadLocal<>();
    List<ThreadLocalEntry> after = onFreshThread(() -> {
      ThreadLocalMaps.Snapshot before = maps.capture();
      cache.set("warm");
      leak.set("leak");
      maps.restore(before, e -> e.threadLocal() == cache);
      return maps.entries(Thread.currentThread());
    });
    assertThat(after).containsExactly(new ThreadLocalEntry(cache, "warm", false));
  }

  @Test
  void restore_reportsAnEntryItCannotRemove() throws Exception {
    ThreadLocal<String> stubborn = new ThreadLocal<>() {
      @Override
      public void remove() {
        // deliberately ignores removal, like a broken subclass
      }
    };
    ThreadLocalMaps.Restoration r = onFreshThread(() -> {
      ThreadLocalMaps.Snapshot before = maps.capture();
      stubborn.set("sticky");
      return maps.restore(before, e -> false);
    });
    assertThat(r.isClean()).isFalse();
    assertThat(r.problems()).singleElement().asString().startsWith("could not remove ").contains("sticky".getClass()
        .getName());
  }

  @Test
  void restore_taskAddedEntryWhoseThreadLocalWasCollected_isCountedRemovedOnceAndExpunged() throws Exception {
    ThreadLocalMaps.Restoration r = onFreshThread(() -> {
      ThreadLocalMaps.Snapshot before = maps.capture();
      int entriesBefore = maps.entryCount(Thread.currentThread());
      awaitCollected(setForgotten());
      assertThat(maps.staleEntryCount(Thread.currentThread())).as("stale entries before restore").isEqualTo(1);
      ThreadLocalMaps.Restoration restoration = maps.restore(before, e -> false);
      assertThat(maps.staleEntryCount(Thread.currentThread())).as("stale entries after restore").isZero();
      assertThat(maps.entryCount(Thread.currentThread())).as("live entries after restore").isEqualTo(entriesBefore);
      return restoration;
    });
    assertThat(r.removed()).as(r.toString()).isEqualTo(1);
    assertThat(r.restored()).as(r.toString()).isZero();
    assertThat(r.isClean()).as(r.toString()).isTrue();
  }

  @Test
  void restore_threadLocalsCollectedAndExpungedWhileRestoring_areEachCountedRemovedOnce() throws Exception {
    int victims = 8;
    ThreadLocalMaps.Restoration r = onFreshThread(() -> {
      ThreadLocalMaps.Snapshot before = maps.capture();
      int entriesBefore = maps.entryCount(Thread.currentThread());
      List<Object> holder = new ArrayList<>();
      List<WeakReference<ThreadLocal<byte[]>>> collectable = new ArrayList<>();
      for (int i = 0; i < victims; i++) {
        collectable.add(setHeldBy(holder));
      }
      // Restore calls trigger.remove() somewhere among the victims (table order): those it has not reached yet get
      // collected right then and are expunged by the map itself, as a JDK set()/remove() may do at any point.
      ThreadLocal<String> trigger = new ThreadLocal<>() {
        @Override
        public void remove() {
          holder.clear();
          collectable.forEach(ThreadLocalMapsTest::awaitCollected);
          super.remove();
          expungeStaleEntriesOfCurrentThread();
        }
      };
      trigger.set("trigger");
      ThreadLocalMaps.Restoration restoration = maps.restore(before, e -> false);
      assertThat(maps.staleEntryCount(Thread.currentThread())).as("stale entries after restore").isZero();
      assertThat(maps.entryCount(Thread.currentThread())).as("live entries after restore").isEqualTo(entriesBefore);
      return restoration;
    });
    assertThat(r.removed()).as(r.toString()).isEqualTo(victims + 1);
    assertThat(r.isClean()).as(r.toString()).isTrue();
  }

  /** Sets a fresh ThreadLocal reachable only through {@code holder}; no local variable of a caller keeps it. */
  private static WeakReference<ThreadLocal<byte[]>> setHeldBy(List<Object> holder) {
    ThreadLocal<byte[]> local = new ThreadLocal<>();
    local.set(new byte[64]);
    holder.add(local);
    return new WeakReference<>(local);
  }

  private static WeakReference<ThreadLocal<byte[]>> setForgotten() {
    ThreadLocal<byte[]> forgotten = new ThreadLocal<>();
    forgotten.set(new byte[1024]);
    return new WeakReference<>(forgotten);
  }

  private static void awaitCollected(WeakReference<?> ref) {
    Awaitility.await("ThreadLocal collected").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> {
          System.gc();
          return ref.get() == null;
        });
  }

  /** What the JDK's ThreadLocalMap does on its own during a set() or remove() that meets stale entries. */
  private static void expungeStaleEntriesOfCurrentThread() {
    try {
      Field threadLocals = Thread.class.getDeclaredField("threadLocals");
      threadLocals.setAccessible(true);
      Object map = threadLocals.get(Thread.currentThread());
      Method expunge = map.getClass().getDeclaredMethod("expungeStaleEntries");
      expunge.setAccessible(true);
      expunge.invoke(map);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot expunge the ThreadLocal map like the JDK does", e);
    }
  }

  @Test
  void restore_onAnotherThreadThanTheSnapshot_isRejected() throws Exception {
    ThreadLocalMaps.Snapshot foreign = onFreshThread(maps::capture);
    assertThatThrownBy(() -> maps.restore(foreign, e -> false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("restore must run on the thread the snapshot was captured on");
  }

  @Test
  void isJdkInternal_nioTemporaryBufferCache_isJdkInternal_userThreadLocal_isNot(@TempDir Path dir) throws Exception {
    ThreadLocal<String> user = new ThreadLocal<>();
    List<ThreadLocalEntry> added = onFreshThread(() -> {
      ThreadLocalMaps.Snapshot before = maps.capture();
      try (FileChannel ch = FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      user.set("mine");
      List<ThreadLocalEntry> now = new java.util.ArrayList<>(maps.entries(Thread.currentThread()));
      now.removeAll(before.entries());
      return now;
    });
    assertThat(added).filteredOn(e -> e.threadLocal() == user).singleElement()
        .satisfies(e -> assertThat(e.isJdkInternal()).isFalse());
    assertThat(added).filteredOn(e -> e.threadLocal() != user).allMatch(ThreadLocalEntry::isJdkInternal);
    if (Runtime.version().feature() == 17) {
      assertThat(added).as("JDK 17 keeps the NIO buffer cache in threadLocals").hasSizeGreaterThan(1);
    }
  }

  @Test
  void unavailable_readingMethodsThrowTheReason() {
    ThreadLocalMaps off = ThreadLocalMaps.unavailable("no access: add " + ThreadLocalMaps.ADD_OPENS);
    assertThat(off.isAvailable()).isFalse();
    assertThatThrownBy(() -> off.entries(Thread.currentThread()))
        .isInstanceOf(IllegalStateException.class).hasMessage("no access: add " + ThreadLocalMaps.ADD_OPENS);
    assertThatThrownBy(off::capture).hasMessage("no access: add " + ThreadLocalMaps.ADD_OPENS);
  }

  @Test
  void create_withoutAddOpens_isUnavailableAndNamesTheFlag() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        WithoutAddOpens.class.getName()).redirectErrorStream(true).start();
    String out;
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
    } finally {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.destroyForcibly();
    }
    assertThat(out).startsWith("available=false")
        .contains("package java.lang is not open to the unnamed module")
        .contains("Start the JVM with --add-opens java.base/java.lang=ALL-UNNAMED");
  }

  /** Runs in a child JVM started without the add-opens flag. */
  static final class WithoutAddOpens {
    public static void main(String[] args) {
      ThreadLocalMaps maps = ThreadLocalMaps.create();
      System.out.println("available=" + maps.isAvailable() + " reason=" + maps.unavailableReason().orElse(""));
    }
  }

  private interface Body<T> {
    T run() throws Exception;
  }

  /** Runs on a new thread so the test's own thread maps (JUnit's, Surefire's) don't mix in. */
  private static <T> T onFreshThread(Body<T> body) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable runner = () -> {
      try {
        result.set(body.run());
      } catch (Throwable e) {
        failure.set(e);
      }
    };
    Thread t = new Thread(null, runner, "tl-maps-test", 0, false);
    t.start();
    t.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(t.isAlive()).as("test thread finished").isFalse();
    if (failure.get() instanceof Exception e) {
      throw e;
    }
    if (failure.get() instanceof Error e) {
      throw e;
    }
    return result.get();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
