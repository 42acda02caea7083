package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

final class TestSupport {
  private TestSupport() {
  }

  /** Collects garbage until {@code ref} is cleared or 20 s pass; returns whether it was cleared. */
  static boolean collected(WeakReference<?> ref) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<byte[]> pressure = new ArrayList<>();
    while (ref.get() != null && System.nanoTime() < deadline) {
      System.gc();
      pressure.add(new byte[1 << 20]);
      if (pressure.size() > 32) {
        pressure.clear();
      }
      Thread.onSpinWait();
    }
    return ref.get() == null;
  }

  static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch released").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
