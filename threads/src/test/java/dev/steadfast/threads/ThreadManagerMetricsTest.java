package dev.steadfast.threads;

import static dev.steadfast.threads.ThreadLocalHygieneTest.awaitCompleted;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoThreadLeftBehind.class)
class ThreadManagerMetricsTest {

  @Test
  void metrics_publishPoolCounters_includingPoolsCreatedAfterBinding() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ThreadLocal<String> leaky = new ThreadLocal<>();
    try (ThreadManager manager = ThreadManager.builder().name("svc").build()) {
      ExecutorService before = manager.pool("before").threads(1).fixed();
      new ThreadManagerMetrics(manager).bindTo(registry);
      ExecutorService after = manager.pool("after").threads(2).fixed();
      before.submit(() -> leaky.set("x")).get();
      after.submit(() -> { }).get();
      awaitCompleted(manager, "before", 1);
      awaitCompleted(manager, "after", 1);

      assertThat(registry.get("steadfast.threads.tasks").tags("manager", "svc", "pool", "before").functionCounter()
          .count()).isEqualTo(1);
      assertThat(registry.get("steadfast.threads.threadlocals.removed").tags("pool", "before").functionCounter()
          .count()).isEqualTo(1);
      assertThat(registry.get("steadfast.threads.created").tags("pool", "after", "kind", "fixed").functionCounter()
          .count()).isEqualTo(1);
      assertThat(registry.get("steadfast.threads.live").tags("pool", "after").gauge().value()).isEqualTo(1);
      assertThat(registry.get("steadfast.threads.hygiene.fallback").tags("pool", "after").gauge().value()).isZero();
    }
  }
}
