package dev.steadfast.server;

import dev.steadfast.leak.LeakMonitor;
import dev.steadfast.leak.LeakMonitorMetrics;
import dev.steadfast.leak.LeakMonitorSnapshot;
import dev.steadfast.threads.ThreadManager;
import dev.steadfast.websocket.InProcessBroker;
import dev.steadfast.websocket.MessageBroker;
import dev.steadfast.websocket.WebSocketHub;
import dev.steadfast.websocket.redis.RedisBroker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * The service watching itself for leaks (the {@value SteadfastServer#STEP_LEAK_MONITOR} step): a {@link LeakMonitor}
 * over the live heap, the live threads, and every registry a connection puts something in — the hub's connections,
 * topics, subscriptions and tracked addresses, the broker's subscriptions (with Redis also its channels and
 * in-flight publishes) — plus the threads the service's
 * {@link ThreadManager} runs. A registry whose floor keeps rising is named in the verdict, so a leak says where it is.
 *
 * <pre>{@code
 * SelfMonitor monitor = SelfMonitor.start(Duration.ofHours(1), hub, broker, threads);
 * monitor.bindTo(prometheusRegistry);     // steadfast_leak_monitor_* gauges
 * LeakMonitorSnapshot verdict = monitor.snapshot();
 * monitor.close();
 * }</pre>
 */
final class SelfMonitor implements AutoCloseable {
  /** Registry names, as they appear in {@code /metrics}, the status route and the verdict. */
  static final String CONNECTIONS = "websocket.connections";
  static final String TOPICS = "websocket.topics";
  static final String SUBSCRIPTIONS = "websocket.subscriptions";
  static final String TRACKED_ADDRESSES = "websocket.tracked-addresses";
  static final String BROKER_SUBSCRIPTIONS = "broker.subscriptions";
  static final String MANAGED_THREADS = "threads.managed";
  /** With {@code --broker redis://...}: the Redis channels subscribed, and publishes awaiting Redis's answer. */
  static final String REDIS_CHANNELS = "broker.redis-channels";
  static final String REDIS_IN_FLIGHT = "broker.in-flight-publishes";

  private final LeakMonitor monitor;

  private SelfMonitor(LeakMonitor monitor) {
    this.monitor = monitor;
  }

  static SelfMonitor start(Duration window, WebSocketHub hub, MessageBroker broker, ThreadManager threads) {
    LeakMonitor monitor = LeakMonitor.builder().window(window).build();
    // Suppliers run on the JVM's GC-notification thread: each reads a counter or a map's size, never blocks.
    monitor.registerSize(CONNECTIONS, () -> hub.statistics().connections());
    monitor.registerSize(TOPICS, () -> hub.statistics().topics());
    monitor.registerSize(SUBSCRIPTIONS, () -> hub.statistics().subscriptions());
    monitor.registerSize(TRACKED_ADDRESSES, () -> hub.statistics().trackedAddresses());
    if (broker instanceof InProcessBroker local) {
      monitor.registerSize(BROKER_SUBSCRIPTIONS, local::subscriptionCount);
    } else if (broker instanceof RedisBroker redis) {
      monitor.registerSize(BROKER_SUBSCRIPTIONS, redis::subscriptionCount);
      monitor.registerSize(REDIS_CHANNELS, redis::redisSubscriptionCount);
      monitor.registerSize(REDIS_IN_FLIGHT, redis::inFlightPublishes);
    }
    monitor.registerSize(MANAGED_THREADS, () -> threads.liveThreads().size());
    return new SelfMonitor(monitor.start());
  }

  /** Publishes the verdicts as {@code steadfast.leak.monitor.*} gauges. */
  void bindTo(MeterRegistry registry) {
    new LeakMonitorMetrics(monitor).bindTo(registry);
  }

  LeakMonitorSnapshot snapshot() {
    return monitor.snapshot();
  }

  @Override
  public void close() {
    monitor.close();
  }
}
