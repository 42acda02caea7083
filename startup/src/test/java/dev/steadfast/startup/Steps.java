package dev.steadfast.startup;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Small building blocks for test steps. */
final class Steps {
  private Steps() {}

  static StepAction sleep(long millis) {
    return ctx -> TimeUnit.MILLISECONDS.sleep(millis);
  }

  /** Blocks until interrupted (a hang that honours interruption). */
  static StepAction hangInterruptibly() {
    return ctx -> new CountDownLatch(1).await();
  }

  /** Blocks until {@code release} opens, swallowing every interrupt (a hang that ignores interruption). */
  static StepAction hangIgnoringInterrupts(CountDownLatch release) {
    return ctx -> {
      while (true) {
        try {
          release.await();
          return;
        } catch (InterruptedException ignored) {
          // deliberately ignored: this step simulates code that swallows interrupts
        }
      }
    };
  }

  /** Records events in order, thread-safely. */
  static final class Journal {
    final List<String> entries = new CopyOnWriteArrayList<>();

    StepAction start(String name) {
      return ctx -> entries.add("start " + name);
    }

    StopAction stop(String name) {
      return () -> entries.add("stop " + name);
    }
  }
}
