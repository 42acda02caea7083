package dev.steadfast.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.diagnostics.Deadlock;
import dev.steadfast.diagnostics.Deadlocks;
import dev.steadfast.startup.StartupReport;
import dev.steadfast.websocket.HttpReply;
import dev.steadfast.websocket.WebSocketHub;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The service's HTTP routes on the WebSocket port: health probes (Kubernetes semantics), Prometheus metrics and the
 * startup report.
 *
 * <ul>
 *   <li>{@code /health/live}: 200 unless the process hangs internally: threads deadlocked (monitors, locks, class
 *       initialization), or a managed worker stuck in one task while work queues up (reported by the
 *       {@code ThreadManager} within the last {@link #STALL_MEMORY}). Never looks at dependencies: restarting does
 *       not fix those.
 *   <li>{@code /health/ready}: 200 when serving (READY, or DEGRADED with the missing optional parts listed);
 *       503 while starting, draining, stopped, or when a required part failed
 *       (the thread manager closed, or the WebSocket listener stopped accepting while not draining), named in
 *       {@code failed}.
 *   <li>{@code /health/startup}: 503 until startup finished, then 200 for good (unless startup failed).
 *   <li>{@code /metrics}: Prometheus text; 503 when the optional metrics step did not come up.
 *   <li>{@code /startup}: the startup report as JSON; 503 while starting.
 * </ul>
 */
final class HealthRoutes {
  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";
  static final String STARTUP_PROBE = "/health/startup";
  static final String METRICS = "/metrics";
  static final String STARTUP_REPORT = "/startup";
  /** The startup timeline as one HTML file ({@code StartupReport.toHtml()}). */
  static final String STARTUP_REPORT_HTML = "/startup.html";
  static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** Deadlock detection takes a thread dump: probes within this window reuse the last answer. */
  static final Duration LIVENESS_CACHE = Duration.ofSeconds(2);
  /** How long a stuck-worker report keeps liveness down: two of the thread manager's default check periods. */
  static final Duration STALL_MEMORY = dev.steadfast.threads.ThreadManager.DEFAULT_STALE_CHECK_PERIOD.multipliedBy(2);

  private final ObjectMapper json = new ObjectMapper();
  private final Supplier<Health> health;
  private final Supplier<Optional<String>> prometheus;
  private final Supplier<Optional<StartupReport>> startupReport;
  private final Supplier<List<Deadlock>> deadlocks;
  private final Supplier<Optional<String>> recentStall;
  private final Object livenessLock = new Object();
  private long livenessCheckedAt;
  private HttpReply lastLiveness;

  HealthRoutes(Supplier<Health> health, Supplier<Optional<String>> prometheus,
      Supplier<Optional<StartupReport>> startupReport, Supplier<Optional<String>> recentStall) {
    this(health, prometheus, startupReport, recentStall, Deadlocks::find);
  }

  HealthRoutes(Supplier<Health> health, Supplier<Optional<String>> prometheus,
      Supplier<Optional<StartupReport>> startupReport, Supplier<Optional<String>> recentStall,
      Supplier<List<Deadlock>> deadlocks) {
    this.health = health;
    this.prometheus = prometheus;
    this.startupReport = startupReport;
    this.recentStall = recentStall;
    this.deadlocks = deadlocks;
  }

  void register(WebSocketHub.Builder hub) {
    hub.route("GET", LIVE, request -> live())
        .route("GET", READY, request -> ready())
        .route("GET", STARTUP_PROBE, request -> startup())
        .route("GET", METRICS, request -> metrics())
        .route("GET", STARTUP_REPORT, request -> report())
        .route("GET", STARTUP_REPORT_HTML, request -> reportHtml());
  }

  HttpReply live() throws JsonProcessingException {
    synchronized (livenessLock) {
      long now = System.nanoTime();
      if (lastLiveness == null || now - livenessCheckedAt > LIVENESS_CACHE.toNanos()) {
        List<Deadlock> found = deadlocks.get();
        Optional<String> stall = recentStall.get();
        ObjectNode body = json.createObjectNode();
        if (found.isEmpty() && stall.isEmpty()) {
          body.put("status", "UP");
          lastLiveness = HttpReply.json(200, json.writeValueAsString(body));
        } else {
          body.put("status", "DOWN");
          if (!found.isEmpty()) {
            body.put("reason", found.size() + " deadlock(s): restart needed");
            found.forEach(d -> body.withArray("deadlocks").add(d.toString()));
          } else {
            body.put("reason", "a worker is stuck while work queues up: restart needed");
          }
          stall.ifPresent(text -> body.put("stuckWorker", text));
          lastLiveness = HttpReply.json(503, json.writeValueAsString(body));
        }
        livenessCheckedAt = now;
      }
      return lastLiveness;
    }
  }

  HttpReply ready() throws JsonProcessingException {
    Health h = health.get();
    ObjectNode body = json.createObjectNode();
    body.put("status", h.readiness());
    h.degradedParts().forEach(part -> body.withArray(h.isReady() ? "degraded" : "notUp").add(part));
    h.failures().forEach(failure -> body.withArray("failed").add(failure));
    return HttpReply.json(h.isReady() ? 200 : 503, json.writeValueAsString(body));
  }

  HttpReply startup() throws JsonProcessingException {
    Health h = health.get();
    ObjectNode body = json.createObjectNode();
    if (h.isStarted()) {
      body.put("status", "STARTED");
      body.put("outcome", h.report().orElseThrow().outcome().name());
      return HttpReply.json(200, json.writeValueAsString(body));
    }
    body.put("status", h.report().isPresent() ? "FAILED" : "STARTING");
    h.report().flatMap(r -> r.failedStep()).ifPresent(step -> body.put("failedStep", step));
    return HttpReply.json(503, json.writeValueAsString(body));
  }

  HttpReply metrics() {
    return prometheus.get()
        .map(text -> HttpReply.ok(PROMETHEUS_CONTENT_TYPE, text))
        .orElseGet(() -> HttpReply.text(503, "metrics unavailable: the '" + SteadfastServer.STEP_METRICS
            + "' step did not come up; see " + STARTUP_REPORT));
  }

  HttpReply report() {
    return startupReport.get()
        .map(report -> HttpReply.json(200, report.toJson()))
        .orElseGet(() -> HttpReply.json(503, "{\"status\":\"STARTING\"}"));
  }

  HttpReply reportHtml() {
    return startupReport.get()
        .map(report -> HttpReply.ok("text/html; charset=utf-8", report.toHtml()))
        .orElseGet(() -> HttpReply.text(503, "STARTING: the startup report is written when startup has finished"));
  }
}
