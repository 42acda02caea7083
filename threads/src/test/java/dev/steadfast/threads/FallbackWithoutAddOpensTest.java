package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The no-add-opens path, for real: a child JVM started without {@code --add-opens java.base/java.lang=ALL-UNNAMED}
 * (the test JVM has it, so the unavailable path cannot be reached in-process without a test-only seam). The
 * ThreadLocals the probe leaves behind live in the child JVM; in this JVM only the JDK's "process reaper" starts,
 * which @LeakFree ignores as the JVM's own, so the test runs with every check on.
 */
@ExtendWith(NoThreadLeftBehind.class)
class FallbackWithoutAddOpensTest {

  @Test
  void withoutAddOpens_poolsRenewThreadsInstead_andSayItOnce() throws Exception {
    String out = runWithoutAddOpens(Probe.class);

    assertThat(out).contains("hygieneAvailable=false")
        .contains("a: hygiene=false fallback=true renewals=2 tasks=5")
        .contains("b: hygiene=false fallback=true renewals=2 tasks=5")
        .contains("reason=ThreadLocal maps cannot be read");
    assertThat(out.split("ThreadLocal hygiene is unavailable", -1)).as("said exactly once:\n%s", out).hasSize(2);
    assertThat(out).contains("so pooled threads are renewed every 2 tasks instead")
        .contains("Start the JVM with --add-opens java.base/java.lang=ALL-UNNAMED");
  }

  private static String runWithoutAddOpens(Class<?> main) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), main.getName())
        .redirectErrorStream(true).start();
    String out;
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
    } finally {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** Runs in the child JVM: two pools whose tasks each leave a ThreadLocal behind. */
  static final class Probe {
    public static void main(String[] args) throws Exception {
      ThreadLocal<String> leaky = new ThreadLocal<>();
      try (ThreadManager manager = ThreadManager.builder().fallbackRenewAfterTasks(2).build()) {
        for (String name : new String[] {"a", "b"}) {
          ExecutorService pool = manager.pool(name).threads(1).fixed();
          Future<?> last = null;
          for (int i = 0; i < 5; i++) {
            last = pool.submit(() -> leaky.set("left behind"));
          }
          last.get();
          while (manager.snapshot().pool(name).orElseThrow().tasksCompleted() < 5) {
            Thread.onSpinWait();
          }
        }
        ThreadStatistics stats = manager.snapshot();
        System.out.println("hygieneAvailable=" + stats.threadLocalHygieneAvailable() + " reason="
            + stats.threadLocalHygieneUnavailableReason().orElse(""));
        for (PoolStatistics p : stats.pools()) {
          System.out.println(p.name() + ": hygiene=" + p.threadLocalHygiene() + " fallback=" + p.hygieneFallback()
              + " renewals=" + p.renewals() + " tasks=" + p.tasksCompleted());
        }
      }
    }
  }
}
