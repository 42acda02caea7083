package dev.steadfast.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.leak.LeakMonitorSnapshot;
import dev.steadfast.websocket.HttpReply;
import dev.steadfast.websocket.WebSocketHub;
import dev.steadfast.websocket.WebSocketStatistics;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The dashboard's data route, {@code GET /api/status}: the figures the dashboard shows, as JSON — readiness, the
 * hub's registry sizes and counters (a reader computes messages per second from two readings of {@code messagesOut}
 * and {@code takenAtMillis}), and the leak monitor's verdict with the heap slope and every series.
 *
 * <pre>{@code
 * {"readiness":"READY","takenAtMillis":1764822000000,"connections":3,"webSockets":2,"topics":1,
 *  "subscriptions":2,"messagesIn":10,"messagesOut":20,"publishes":10,
 *  "leak":{"verdict":"STABLE","heapMegabytesPerHour":0.12,"window":"1h","growing":[],"series":[...]}}
 * }</pre>
 */
final class StatusRoute {
  static final String PATH = "/api/status";

  private final ObjectMapper json = new ObjectMapper();
  private final Supplier<Health> health;
  private final Supplier<Optional<WebSocketStatistics>> statistics;
  private final Supplier<Optional<LeakMonitorSnapshot>> leak;
  private final Supplier<String> leakUnavailable;

  StatusRoute(Supplier<Health> health, Supplier<Optional<WebSocketStatistics>> statistics,
      Supplier<Optional<LeakMonitorSnapshot>> leak, Supplier<String> leakUnavailable) {
    this.health = health;
    this.statistics = statistics;
    this.leak = leak;
    this.leakUnavailable = leakUnavailable;
  }

  void register(WebSocketHub.Builder hub) {
    hub.route("GET", PATH, request -> status());
  }

  HttpReply status() throws JsonProcessingException {
    ObjectNode body = json.createObjectNode();
    body.put("readiness", health.get().readiness());
    body.put("takenAtMillis", System.currentTimeMillis());
    statistics.get().ifPresent(s -> {
      body.put("connections", s.connections());
      body.put("webSockets", s.webSockets());
      body.put("topics", s.topics());
      body.put("subscriptions", s.subscriptions());
      body.put("messagesIn", s.messagesIn());
      body.put("messagesOut", s.messagesOut());
      body.put("publishes", s.publishes());
    });
    ObjectNode leakNode = body.putObject("leak");
    Optional<LeakMonitorSnapshot> snapshot = leak.get();
    if (snapshot.isEmpty()) {
      leakNode.put("verdict", "UNAVAILABLE");
      leakNode.put("reason", leakUnavailable.get());
    } else {
      describe(snapshot.get(), leakNode);
    }
    return HttpReply.json(200, json.writeValueAsString(body));
  }

  private static void describe(LeakMonitorSnapshot snapshot, ObjectNode node) {
    node.put("verdict", snapshot.verdict().name());
    putRate(node, "heapMegabytesPerHour", snapshot.heapGrowthMegabytesPerHour());
    node.put("liveHeapBytes", snapshot.liveHeapBytes());
    node.put("window", dev.steadfast.diagnostics.Durations.format(snapshot.window()));
    node.put("collections", snapshot.collections());
    // The heap verdict rests only on these; UNCONFIRMED while too few of them fall in the window.
    node.put("oldGenerationCollections", snapshot.oldGenerationCollections());
    for (LeakMonitorSnapshot.Series series : snapshot.all()) {
      if (series.verdict() == LeakMonitorSnapshot.Verdict.GROWING) {
        node.withArray("growing").add(series.name());
      }
      ObjectNode s = node.withArray("series").addObject();
      s.put("name", series.name());
      s.put("unit", series.unit());
      s.put("verdict", series.verdict().name());
      s.put("current", series.current());
      putRate(s, "perHour", series.perHour());
      series.growingSince().ifPresent(since -> s.put("growingSince", since.toString()));
    }
    node.withArray("growing");
    snapshot.warnings().forEach(w -> node.withArray("warnings").add(w));
  }

  /** NaN (no verdict yet) is not JSON: written as null. */
  private static void putRate(ObjectNode node, String name, double value) {
    if (Double.isNaN(value)) {
      node.putNull(name);
    } else {
      node.put(name, Math.round(value * 1000) / 1000.0);
    }
  }
}
