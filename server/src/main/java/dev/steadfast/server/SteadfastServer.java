package dev.steadfast.server;

import dev.steadfast.startup.Criticality;
import dev.steadfast.startup.Environment;
import dev.steadfast.startup.ShutdownReport;
import dev.steadfast.startup.Startup;
import dev.steadfast.startup.StartupPlan;
import dev.steadfast.startup.StartupReport;
import dev.steadfast.startup.StartupState;
import dev.steadfast.startup.StartupStep;
import dev.steadfast.startup.StepReport;
import dev.steadfast.diagnostics.Durations;
import dev.steadfast.leak.LeakMonitorSnapshot;
import dev.steadfast.threads.StaleThread;
import dev.steadfast.threads.ThreadManager;
import dev.steadfast.threads.ThreadManagerMetrics;
import dev.steadfast.websocket.InProcessBroker;
import dev.steadfast.websocket.MessageBroker;
import dev.steadfast.websocket.WebSocketHub;
import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.WebSocketStatistics;
import dev.steadfast.websocket.redis.RedisBroker;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Steadfast reference service: a WebSocket hub (topics, publish/subscribe, {@code POST /api/publish}) whose
 * startup and shutdown run through a {@link StartupPlan} and whose threads all come from a {@link ThreadManager}.
 *
 * <p><b>Startup steps</b>, each a {@link StartupStep} (reverse order on shutdown): {@value #STEP_CONFIGURATION}
 * (credentials; development ones generated when allowed), {@value #STEP_METRICS} (Prometheus registry and JVM
 * meters; optional: without it the service runs degraded), {@value #STEP_THREADS}, {@value #STEP_BROKER} (the
 * in-process {@link MessageBroker}, or the Redis one with {@code --broker redis://...}: required, so an unreachable
 * Redis fails startup naming its address and the cause), {@value #STEP_WEBSOCKET} (binds the port, serves {@code /ws} and the HTTP
 * routes) and {@value #STEP_SELF_CHECK} (over loopback: {@code /health/live} answers and a WebSocket opens and
 * closes with a token), and {@value #STEP_LEAK_MONITOR} (optional: the service's own {@code LeakMonitor} over
 * the heap, threads and every registry; its failure degrades the service, never fails it).
 *
 * <p><b>States</b>: {@link #state()} follows the startup ({@code STARTING -> READY | DEGRADED | FAILED}, then
 * {@code STOPPING -> STOPPED}); {@link #isDraining()} turns true the moment {@link #stop()} begins, before anything
 * is stopped, so {@code /health/ready} answers 503 at once.
 *
 * <p><b>Shutdown</b> ({@link #stop()}, also from a JVM shutdown hook in {@link Main}): stop accepting, close every
 * client with 1001 after the messages already accepted for it (every acknowledged publish reaches every subscriber
 * connected at the time), wait at most {@link ServerConfig#drainTimeout()}, then stop the broker, the threads, and
 * the metrics.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder()
 *     .hub(WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1").build())
 *     .build();
 * try (SteadfastServer server = SteadfastServer.start(config, Environment.DEVELOPMENT)) {
 *   System.out.println("ws://127.0.0.1:" + server.port() + "/ws?access_token="
 *       + server.credentials().developmentToken().orElseThrow());
 * }
 * }</pre>
 */
public final class SteadfastServer implements AutoCloseable {
  /** Step that resolves the credentials. */
  public static final String STEP_CONFIGURATION = "configuration";
  /** Step that creates the Prometheus registry (optional). */
  public static final String STEP_METRICS = "metrics";
  /** Step that creates the thread manager. */
  public static final String STEP_THREADS = "threads";
  /** Step that creates the message broker. */
  public static final String STEP_BROKER = "message-broker";
  /** Step that binds the WebSocket listener and the HTTP routes. */
  public static final String STEP_WEBSOCKET = "websocket-listener";
  /** Step that checks the running service over loopback. */
  public static final String STEP_SELF_CHECK = "self-check";
  /** Step that starts the service's own leak monitor (optional). */
  public static final String STEP_LEAK_MONITOR = "leak-monitor";
  /** The {@code /health/ready} failure when the listener closed while the service was not draining. */
  static final String LISTENER_NOT_ACCEPTING = STEP_WEBSOCKET + ": not accepting connections";
  /** The {@code /health/ready} failure while the message broker cannot reach its backend (Redis). */
  static final String BROKER_DISCONNECTED = STEP_BROKER + ": disconnected";
  /** Threads of the HTTP routes (health, metrics, report), so a slow scrape never blocks WebSocket I/O. */
  static final int ROUTE_THREADS = 2;
  /** Requests waiting for a route thread before the hub answers 503. */
  static final int ROUTE_QUEUE = 64;

  private static final Logger LOG = LoggerFactory.getLogger(SteadfastServer.class);

  private final ServerConfig config;
  private final Hooks hooks;
  private final Components components = new Components();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private volatile boolean draining;
  private volatile Startup startup;

  private SteadfastServer(ServerConfig config, Hooks hooks) {
    this.config = config;
    this.hooks = hooks;
  }

  /**
   * Starts the service and returns once it is ready (possibly degraded).
   *
   * @param config the configuration
   * @param environment the environment (policies and development credentials depend on it)
   * @return the running service; {@link #close()} it to shut down
   * @throws dev.steadfast.startup.StartupFailedException with the startup report when a required step failed
   *     (everything that had started is stopped again)
   */
  public static SteadfastServer start(ServerConfig config, Environment environment) {
    return start(config, environment, Hooks.NONE);
  }

  static SteadfastServer start(ServerConfig config, Environment environment, Hooks hooks) {
    SteadfastServer server = new SteadfastServer(config, hooks);
    server.run(environment);
    return server;
  }

  private void run(Environment environment) {
    Duration budget = config.startupTimeout();
    StartupPlan plan = StartupPlan.builder()
        .environment(environment)
        .totalTimeout(budget)
        .phaseTimeout(budget)
        .stepTimeout(budget)
        .stopTimeout(config.drainTimeout().plusSeconds(10))
        .threadNamePrefix("server-startup")
        .step(StartupStep.builder(STEP_CONFIGURATION)
            .start(ctx -> components.credentials = Credentials.resolve(config))
            .build())
        .step(StartupStep.builder(STEP_METRICS)
            .criticality(Criticality.OPTIONAL)
            .start(ctx -> startMetrics())
            .stop(this::stopMetrics)
            .build())
        .step(StartupStep.builder(STEP_THREADS)
            .dependsOnOptionally(STEP_METRICS)
            .start(ctx -> startThreads())
            .stop(this::stopThreads)
            .build())
        .step(StartupStep.builder(STEP_BROKER)
            .start(ctx -> components.broker = startBroker())
            .stop(this::stopBroker)
            .build())
        .step(StartupStep.builder(STEP_WEBSOCKET)
            .dependsOn(STEP_CONFIGURATION, STEP_THREADS, STEP_BROKER)
            .dependsOnOptionally(STEP_METRICS)
            .start(ctx -> startHub())
            .stop(this::stopHub)
            .build())
        .step(StartupStep.builder(STEP_SELF_CHECK)
            .dependsOn(STEP_WEBSOCKET)
            .timeout(Duration.ofSeconds(10))
            .start(ctx -> selfCheck())
            .build())
        .step(StartupStep.builder(STEP_LEAK_MONITOR)
            .criticality(Criticality.OPTIONAL)
            .dependsOn(STEP_WEBSOCKET, STEP_THREADS, STEP_BROKER)
            .dependsOnOptionally(STEP_METRICS)
            .start(ctx -> startLeakMonitor())
            .stop(this::stopLeakMonitor)
            .build())
        .build();
    Startup running = plan.startInBackground();
    startup = running;
    StartupReport report = running.report();
    if (report.outcome() == dev.steadfast.startup.StartupOutcome.FAILED) {
      LOG.error("{}", report);
      running.close();
      stopped.countDown();
      report.throwIfFailed();
    }
    LOG.info("{}", report);
  }

  private void startMetrics() {
    PrometheusMeterRegistry registry = hooks.newMeterRegistry();
    JvmGcMetrics gc = new JvmGcMetrics();
    try {
      new JvmMemoryMetrics().bindTo(registry);
      gc.bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      Gauge.builder("steadfast.server.ready", this, s -> s.health().isReady() ? 1 : 0)
          .description("1 while /health/ready answers 200")
          .register(registry);
    } catch (RuntimeException e) {
      gc.close();
      registry.close();
      throw e;
    }
    components.gcMetrics = gc;
    components.registry = registry;
  }

  private void stopMetrics() {
    JvmGcMetrics gc = components.gcMetrics;
    if (gc != null) {
      gc.close();
    }
    PrometheusMeterRegistry registry = components.registry;
    if (registry != null) {
      registry.close();
    }
  }

  private void startThreads() {
    ThreadManager threads = ThreadManager.builder().name("server").onStaleThread(components::stalled).build();
    components.threads = threads;
    components.routeExecutor = threads.pool("http-routes").threads(ROUTE_THREADS).queueCapacity(ROUTE_QUEUE).fixed();
    PrometheusMeterRegistry registry = components.registry;
    if (registry != null) {
      new ThreadManagerMetrics(threads).bindTo(registry);
    }
  }

  private void stopThreads() {
    ThreadManager threads = components.threads;
    if (threads != null) {
      dev.steadfast.threads.ShutdownReport report = threads.shutdown();
      LOG.info("threads stopped: {}", report);
    }
  }

  /**
   * The in-process broker, or the Redis broker connected now. A Redis that cannot be reached fails this required
   * step (the service exits 1): a node serving without its broker would acknowledge publishes that never reach the
   * other nodes' subscribers.
   */
  private MessageBroker startBroker() {
    Optional<RedisBrokerConfig> redis = config.redisBroker();
    if (redis.isEmpty()) {
      return new InProcessBroker();
    }
    RedisBroker broker = RedisBroker.connect(redis.get());
    LOG.info("message broker: Redis at {} (history {} per topic, {})", redis.get().address(),
        redis.get().historySize(), redis.get().historyTtl());
    return broker;
  }

  private void stopBroker() {
    MessageBroker broker = components.broker;
    if (broker instanceof InProcessBroker inProcess && inProcess.subscriptionCount() > 0) {
      // The hub closes every subscription when its connections close; one left here is a leak to investigate.
      LOG.warn("message broker still holds {} subscriptions after the WebSocket listener stopped: {}",
          inProcess.subscriptionCount(), inProcess);
    }
    if (broker instanceof RedisBroker redis) {
      if (redis.subscriptionCount() > 0) {
        LOG.warn("message broker still holds {} subscriptions after the WebSocket listener stopped: {}",
            redis.subscriptionCount(), redis);
      }
      redis.close();
    }
  }

  private void startHub() {
    Credentials credentials = components.credentials;
    HealthRoutes routes = new HealthRoutes(this::health, components::prometheusText, this::finishedReport,
        components::recentStall);
    WebSocketHubConfig hubConfig = WebSocketHubConfig.from(config.hub())
        .tokenSecret(credentials.tokenSecret())
        .publishApiKey(credentials.publishApiKey())
        .build();
    WebSocketHub.Builder builder = WebSocketHub.builder(hubConfig)
        .broker(components.broker)
        .threadFactory(components.threads.threadFactory("websocket-io"))
        .routeExecutor(components.routeExecutor);
    routes.register(builder);
    components.routes = routes;
    new StatusRoute(this::health, () -> Optional.ofNullable(components.hub).map(WebSocketHub::statistics),
        this::leakSnapshot, this::leakMonitorUnavailable).register(builder);
    new DashboardRoutes().register(builder);
    hooks.addRoutes(builder, components.broker);
    WebSocketHub hub = builder.build();
    hub.start();
    components.hub = hub;
    PrometheusMeterRegistry registry = components.registry;
    if (registry != null) {
      hub.meterBinder().bindTo(registry);
    }
  }

  private void stopHub() {
    WebSocketHub hub = components.hub;
    if (hub == null) {
      return;
    }
    hub.stopAccepting();
    boolean drained = hub.closeAll(1001, config.drainTimeout());
    if (!drained) {
      LOG.warn("some WebSocket clients did not close within the drain timeout {} and were dropped",
          config.drainTimeout());
    }
    hub.close();
  }

  private void startLeakMonitor() throws Exception {
    hooks.beforeLeakMonitor();
    SelfMonitor monitor = SelfMonitor.start(config.leakWindow(), components.hub, components.broker,
        components.threads);
    PrometheusMeterRegistry registry = components.registry;
    try {
      if (registry != null) {
        monitor.bindTo(registry);
      }
    } catch (RuntimeException e) {
      monitor.close();
      throw e;
    }
    components.leakMonitor = monitor;
  }

  private void stopLeakMonitor() {
    SelfMonitor monitor = components.leakMonitor;
    if (monitor != null) {
      monitor.close();
    }
  }

  /** The leak monitor's verdict, or empty when its step did not come up. */
  Optional<LeakMonitorSnapshot> leakSnapshot() {
    SelfMonitor monitor = components.leakMonitor;
    return monitor == null ? Optional.empty() : Optional.of(monitor.snapshot());
  }

  private String leakMonitorUnavailable() {
    Startup current = startup;
    Optional<StepReport> step = current == null ? Optional.empty()
        : current.reportIfFinished().flatMap(r -> r.steps().stream()
            .filter(s -> s.name().equals(STEP_LEAK_MONITOR)).findFirst());
    return step.map(s -> "the " + STEP_LEAK_MONITOR + " step is " + s.status()
            + s.error().map(e -> ": " + e.rootCause()).orElse(""))
        .orElse("the " + STEP_LEAK_MONITOR + " step has not started");
  }

  private void selfCheck() throws Exception {
    hooks.beforeSelfCheck(components.hub.port());
    LoopbackProbe probe = new LoopbackProbe(loopbackAddress(), Duration.ofSeconds(5));
    LoopbackProbe.Answer live = probe.get(HealthRoutes.LIVE);
    if (live.status() != 200) {
      throw new IllegalStateException(HealthRoutes.LIVE + " answered " + live.status() + ": " + live.body());
    }
    int code = probe.upgradeAndClose(config.hub().path(), components.credentials.selfCheckToken());
    if (code != 1000) {
      throw new IllegalStateException("self-check WebSocket was closed with " + code + " instead of 1000");
    }
  }

  private InetSocketAddress loopbackAddress() {
    String bind = config.hub().bindAddress();
    String host = "0.0.0.0".equals(bind) || "::".equals(bind) || "0:0:0:0:0:0:0:0".equals(bind) ? "127.0.0.1" : bind;
    return new InetSocketAddress(host, components.hub.port());
  }

  Health health() {
    Startup current = startup;
    StartupState state = current == null ? StartupState.STARTING : current.state();
    Optional<StartupReport> report = current == null ? Optional.empty() : current.reportIfFinished();
    List<String> failures = new ArrayList<>(components.runtimeFailures());
    WebSocketHub hub = components.hub;
    boolean listenerClosed = hub != null && !hub.isAccepting();
    // Read after the listener: stop() sets draining before it closes the listener, so a listener closed by a
    // shutdown is seen with draining set and answers DRAINING, not a failure.
    boolean drainingNow = draining;
    if (listenerClosed && !drainingNow && state.isServing()) {
      failures.add(LISTENER_NOT_ACCEPTING);
    }
    MessageBroker broker = components.broker;
    if (broker != null && !broker.isConnected() && state.isServing()) {
      failures.add(BROKER_DISCONNECTED);
    }
    return Health.of(state, drainingNow, report, failures);
  }

  /** The routes the hub serves, so a test can ask them when the listener no longer takes connections. */
  HealthRoutes healthRoutes() {
    return components.routes;
  }

  private Optional<StartupReport> finishedReport() {
    Startup current = startup;
    return current == null ? Optional.empty() : current.reportIfFinished();
  }

  /** @return the port the WebSocket listener is bound to */
  public int port() {
    WebSocketHub hub = components.hub;
    if (hub == null) {
      throw new IllegalStateException("the WebSocket listener is not started: " + state());
    }
    return hub.port();
  }

  /** @return the startup state; never blocks */
  public StartupState state() {
    Startup current = startup;
    return current == null ? StartupState.STARTING : current.state();
  }

  /** @return true from the moment {@link #stop()} begins */
  public boolean isDraining() {
    return draining;
  }

  /** @return the startup report */
  public StartupReport startupReport() {
    return startup.report();
  }

  /** @return the credentials in use, with the development token when one was generated */
  public Credentials credentials() {
    return components.credentials;
  }

  /** @return the hub's counters and registry sizes */
  public WebSocketStatistics statistics() {
    return components.hub.statistics();
  }

  /** @return the hub, for server-side publishing and statistics */
  public WebSocketHub hub() {
    return components.hub;
  }

  /**
   * Shuts down: {@code /health/ready} turns 503, then the steps stop in reverse order (the listener drains its
   * clients with 1001 first). Idempotent; later calls return the first report.
   *
   * @return how each step stopped
   */
  public ShutdownReport stop() {
    boolean first = stopRequested.compareAndSet(false, true);
    draining = true;
    if (first) {
      LOG.info("shutting down: draining WebSocket clients (at most {})", Durations.format(config.drainTimeout()));
    }
    try {
      ShutdownReport report = startup.stop();
      if (first) {
        LOG.info("stopped: {}", report);
      }
      return report;
    } finally {
      stopped.countDown();
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /**
   * Blocks until {@link #stop()} has finished (from another thread or a shutdown hook).
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /**
   * Waits until stopped, at most {@code timeout}.
   *
   * @param timeout how long to wait
   * @return whether stopped
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "SteadfastServer[" + state() + (draining ? ", draining" : "") + ", " + config + "]";
  }

  /** Test seams: what a test may change about how the service starts. */
  interface Hooks {
    Hooks NONE = new Hooks() {};

    /** Called at the beginning of the self-check step, with the listener's port. */
    default void beforeSelfCheck(int port) throws Exception {}

    /** Called at the beginning of the leak-monitor step (a test makes it fail to see the service degrade). */
    default void beforeLeakMonitor() throws Exception {}

    /** Adds routes to the hub besides the service's own (the soak test's deliberately leaking route). */
    default void addRoutes(WebSocketHub.Builder hub, MessageBroker broker) {}

    /** Creates the metrics registry. */
    default PrometheusMeterRegistry newMeterRegistry() {
      return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }
  }

  /** A stuck-worker report from the thread manager and when it came. */
  private record Stall(long seenAt, String report) {}

  /** What the steps create, published to the routes; each field set once by its step. */
  private static final class Components {
    volatile Credentials credentials;
    volatile PrometheusMeterRegistry registry;
    volatile JvmGcMetrics gcMetrics;
    volatile ThreadManager threads;
    volatile ExecutorService routeExecutor;
    volatile MessageBroker broker;
    volatile WebSocketHub hub;
    volatile HealthRoutes routes;
    volatile SelfMonitor leakMonitor;
    volatile Stall lastStall;

    void stalled(StaleThread stale) {
      lastStall = new Stall(System.nanoTime(), stale.toString());
    }

    Optional<String> recentStall() {
      Stall s = lastStall;
      return s != null && System.nanoTime() - s.seenAt() < HealthRoutes.STALL_MEMORY.toNanos()
          ? Optional.of(s.report()) : Optional.empty();
    }

    Optional<String> prometheusText() {
      PrometheusMeterRegistry r = registry;
      return r == null ? Optional.empty() : Optional.of(r.scrape());
    }

    List<String> runtimeFailures() {
      ThreadManager t = threads;
      return t != null && t.isClosed() ? List.of(STEP_THREADS + ": the thread manager is closed") : List.of();
    }
  }
}
