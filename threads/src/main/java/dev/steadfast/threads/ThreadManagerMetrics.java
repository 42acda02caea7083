package dev.steadfast.threads;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link ThreadManager}'s statistics to Micrometer, per pool (tags {@code manager}, {@code pool},
 * {@code kind}), including pools created after binding. Micrometer is an optional dependency of this module: only this
 * class needs it.
 *
 * <p>Counters: {@code steadfast.threads.created}, {@code .terminated}, {@code .tasks}, {@code .threadlocals.removed},
 * {@code .threadlocals.restored}, {@code .hygiene.failures}, {@code .renewals}, {@code .stale}, {@code .uncaught}.
 * Gauges: {@code steadfast.threads.live}, {@code .peak}, {@code .queued}, and {@code steadfast.threads.hygiene.fallback}
 * (1 when the pool renews threads because hygiene is unavailable).
 *
 * <pre>{@code
 * new ThreadManagerMetrics(threadManager).bindTo(prometheusRegistry);
 * }</pre>
 */
public final class ThreadManagerMetrics implements MeterBinder {
  private static final String PREFIX = "steadfast.threads.";

  private final ThreadManager manager;

  /**
   * Creates the binder.
   *
   * @param manager the manager to publish
   */
  public ThreadManagerMetrics(ThreadManager manager) {
    this.manager = Objects.requireNonNull(manager, "manager");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    manager.forEachPool(pool -> bind(registry, pool));
  }

  private void bind(MeterRegistry registry, Pool pool) {
    Tags tags = Tags.of("manager", manager.name(), "pool", pool.name, "kind", pool.kind.name().toLowerCase(
        java.util.Locale.ROOT));
    counter(registry, tags, pool, "created", "threads created", p -> p.created.get());
    counter(registry, tags, pool, "terminated", "threads that ran and ended", p -> p.terminated.get());
    counter(registry, tags, pool, "tasks", "tasks completed", Pool::tasksCompleted);
    counter(registry, tags, pool, "threadlocals.removed", "ThreadLocal entries tasks added, removed by hygiene",
        p -> p.threadLocalsRemoved.sum());
    counter(registry, tags, pool, "threadlocals.restored", "ThreadLocal entries tasks replaced, restored by hygiene",
        p -> p.threadLocalsRestored.sum());
    counter(registry, tags, pool, "hygiene.failures", "tasks whose ThreadLocal changes could not be undone",
        p -> p.hygieneFailures.get());
    counter(registry, tags, pool, "renewals", "workers retired and replaced", p -> p.renewals.get());
    counter(registry, tags, pool, "stale", "workers found stuck while work was queued", p -> p.staleFound.get());
    counter(registry, tags, pool, "uncaught", "exceptions that ended a thread", p -> p.uncaught.get());
    gauge(registry, tags, pool, "live", "threads running now", Pool::live);
    gauge(registry, tags, pool, "peak", "most threads running at once", p -> p.peak.get());
    gauge(registry, tags, pool, "queued", "tasks waiting that could run now", Pool::queuedTasks);
    gauge(registry, tags, pool, "hygiene.fallback", "1 when threads are renewed because hygiene is unavailable",
        p -> p.hygieneFallback ? 1 : 0);
  }

  private static void counter(MeterRegistry registry, Tags tags, Pool pool, String name, String description,
      ToDoubleFunction<Pool> value) {
    FunctionCounter.builder(PREFIX + name, pool, value).tags(tags).description(description).register(registry);
  }

  private static void gauge(MeterRegistry registry, Tags tags, Pool pool, String name, String description,
      ToDoubleFunction<Pool> value) {
    Gauge.builder(PREFIX + name, pool, value).tags(tags).description(description).strongReference(true)
        .register(registry);
  }
}
