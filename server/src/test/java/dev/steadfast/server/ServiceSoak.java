package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;

import static dev.steadfast.leak.LeakMonitorSnapshot.Verdict.UNCONFIRMED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import dev.steadfast.leak.LeakMonitor;
import dev.steadfast.leak.LeakMonitorSnapshot;
import dev.steadfast.startup.Environment;
import dev.steadfast.websocket.HttpReply;
import dev.steadfast.websocket.MessageBroker;
import dev.steadfast.websocket.WebSocketHub;
import dev.steadfast.websocket.WebSocketHubConfig;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * The soak ({@code mvn -B -ntp -Psoak verify -pl server -am -Dsoak.minutes=10}; not in the default tests): drives
 * connect-subscribe-publish-close churn and fan-out against the running service for {@code soak.minutes} (default
 * 10) and asserts its own leak monitor says STABLE; then turns on a deliberately leaking route — present only on
 * this test's class path, never in the product — that subscribes to the broker and drops the subscription, and
 * asserts GROWING naming {@code broker.subscriptions} within one window. Prints the BENCH line.
 *
 * <p>The monitor's window is half the soak (at least {@link LeakMonitor#MIN_WINDOW}), so the final verdict looks
 * at the second half only, after warm-up.
 */
class ServiceSoak {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TICK = Duration.ofMillis(50);
  private static final int FANOUT_SUBSCRIBERS = 10;
  private static final int FANOUT_PUBLISHES_PER_TICK = 5;
  private static final int LEAKS_PER_TICK = 1;
  private static final String LEAK_PATH = "/soak/leak";
  private static final Duration IO_TIMEOUT = Duration.ofSeconds(10);
  private static final int CLIENT_THREADS = 4;

  /** The deliberate leak: a broker subscription per request, never closed. */
  static final class LeakingRoute implements SteadfastServer.Hooks {
    private final AtomicLong topics = new AtomicLong();

    @Override
    public void addRoutes(WebSocketHub.Builder hub, MessageBroker broker) {
      hub.route("POST", LEAK_PATH, request -> {
        broker.subscribe("leak:" + topics.incrementAndGet(), (topic, payload) -> { });
        return HttpReply.json(200, "{\"leaked\":" + topics.get() + "}");
      });
    }
  }

  @Test
  void churnAndFanOut_stayStable_thenALeakingRouteIsCaughtNamingTheRegistry() throws Exception {
    double minutes = Double.parseDouble(System.getProperty("soak.minutes", "10"));
    Duration soak = Duration.ofMillis((long) (minutes * 60_000));
    Duration window = soak.dividedBy(2).compareTo(LeakMonitor.MIN_WINDOW) < 0 ? LeakMonitor.MIN_WINDOW
        : soak.dividedBy(2);
    ServerConfig config = ServerConfig.builder()
        .hub(WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1").build()).leakWindow(window).build();
    // The client shares the service's JVM, whose live threads the monitor counts: its default executor (a cached
    // pool whose size follows the machine's load) made the threads' floor wander in one run; a fixed pool, all
    // started before the service, keeps the client's own threads out of the verdict.
    AtomicInteger clientThreadIds = new AtomicInteger();
    ThreadPoolExecutor clientThreads = new ThreadPoolExecutor(CLIENT_THREADS, CLIENT_THREADS, 0, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), runnable -> {
          Thread thread = new Thread(runnable, "soak-client-" + clientThreadIds.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    clientThreads.prestartAllCoreThreads();
    HttpClient http = HttpClient.newBuilder().connectTimeout(IO_TIMEOUT).executor(clientThreads).build();
    try (GcTally tally = GcTally.start();
        SteadfastServer server = SteadfastServer.start(config, Environment.TEST, new LeakingRoute())) {
      String token = server.credentials().tokenIssuer()
          .issue("soak", List.of("*"), List.of("*"), Duration.ofHours(24));
      URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
      URI statusUri = URI.create("http://127.0.0.1:" + server.port() + StatusRoute.PATH);
      AtomicLong fanoutReceived = new AtomicLong();
      List<WebSocket> subscribers = new ArrayList<>();
      for (int i = 0; i < FANOUT_SUBSCRIBERS; i++) {
        Session session = Session.open(http, ws, token, fanoutReceived);
        session.request("{\"op\":\"subscribe\",\"topic\":\"fanout\",\"id\":1}", "subscribed");
        subscribers.add(session.socket);
      }

      long churns = 0;
      long started = System.nanoTime();
      long next = started;
      long lastSnapshot = 0;
      while (System.nanoTime() - started < soak.toNanos()) {
        try (Session session = Session.open(http, ws, token, null)) {
          String topic = "room:" + (churns % 50);
          session.request("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"id\":1}", "subscribed");
          session.request("{\"op\":\"publish\",\"topic\":\"" + topic + "\",\"id\":2,\"payload\":" + churns + "}",
              "ack");
        }
        churns++;
        for (int i = 0; i < FANOUT_PUBLISHES_PER_TICK; i++) {
          server.hub().publish("fanout", "{\"n\":" + churns + "}");
        }
        if (System.nanoTime() - lastSnapshot > TimeUnit.SECONDS.toNanos(1)) {
          // The dashboard's poll, over HTTP: it samples the registries, and the HTTP routes' threads are part of the
          // steady state (a route thread first started by the leak phase would read as a growing thread pool).
          http.send(HttpRequest.newBuilder(statusUri).build(), HttpResponse.BodyHandlers.discarding());
          lastSnapshot = System.nanoTime();
        }
        next += TICK.toNanos();
        LockSupport.parkNanos(next - System.nanoTime());
      }
      LeakMonitorSnapshot clean = server.leakSnapshot().orElseThrow();
      System.out.println("after " + minutes + " min of churn (" + churns + " connections) and fan-out ("
          + fanoutReceived.get() + " messages received):\n" + clean + "\ncollections seen: " + tally
          + "\nlive threads: " + threadNames());
      // Every registry and the threads must be STABLE. The heap is STABLE, or UNCONFIRMED when heap after young
      // collections rises while too few old-generation collections fell in the window to tell promoted garbage
      // from a leak (with a 1 GB heap and a ~15 MB live set G1 starts none in minutes); never GROWING.
      assertThat(clean.all()).as(clean.toString()).allSatisfy(series -> assertThat(series.verdict())
          .isEqualTo(series.name().equals(LeakMonitorSnapshot.HEAP) && clean.heap().verdict() == UNCONFIRMED
              ? UNCONFIRMED : LeakMonitorSnapshot.Verdict.STABLE));
      if (clean.heap().verdict() == UNCONFIRMED) {
        assertThat(clean.warnings()).as(clean.toString())
            .anySatisfy(warning -> assertThat(warning).contains("not a leak verdict"));
      }
      JsonNode status = JSON.readTree(http.send(HttpRequest.newBuilder(statusUri).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertThat(status.get("leak").get("verdict").asText()).isIn("STABLE", "UNCONFIRMED");

      long leakStarted = System.nanoTime();
      Duration detectionBound = window.plus(Duration.ofMinutes(1));
      LeakMonitorSnapshot leaking = clean;
      URI leakUri = URI.create("http://127.0.0.1:" + server.port() + LEAK_PATH);
      next = System.nanoTime();
      while (!growing(leaking, SelfMonitor.BROKER_SUBSCRIPTIONS)
          && System.nanoTime() - leakStarted < detectionBound.toNanos()) {
        for (int i = 0; i < LEAKS_PER_TICK; i++) {
          http.send(HttpRequest.newBuilder(leakUri).POST(HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.discarding());
        }
        leaking = server.leakSnapshot().orElseThrow();
        next += TICK.toNanos();
        LockSupport.parkNanos(next - System.nanoTime());
      }
      double detectedAfter = (System.nanoTime() - leakStarted) / 1e9;
      System.out.println("with the leaking route:\n" + leaking);
      assertThat(leaking.verdict()).as(leaking.toString()).isEqualTo(LeakMonitorSnapshot.Verdict.GROWING);
      assertThat(growing(leaking, SelfMonitor.BROKER_SUBSCRIPTIONS)).as(leaking.toString()).isTrue();

      String bench = String.format(Locale.ROOT,
          "BENCH soak minutes=%s verdict=%s heap_verdict=%s heap_slope_mb_per_h=%.2f collections=%d"
              + " old_gen_collections=%d leak_detected_after_s=%.0f",
          minutes, clean.verdict(), clean.heap().verdict(), clean.heapGrowthMegabytesPerHour(), clean.collections(),
          clean.oldGenerationCollections(), detectedAfter);
      System.out.println(bench);
      Files.writeString(Path.of("target", "soak-result.txt"), clean + "\n\n" + leaking + "\n\ncollections seen: "
          + tally + "\n\n" + bench + "\n", StandardCharsets.UTF_8);
      subscribers.forEach(s -> s.sendClose(1000, "done"));
    } finally {
      clientThreads.shutdownNow();
    }
  }

  /** Live threads by name with digits dropped, e.g. {@code soak-client-#=4}. */
  private static Map<String, Long> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().collect(Collectors.groupingBy(
        thread -> thread.getName().replaceAll("[0-9]+", "#"), ConcurrentSkipListMap::new, Collectors.counting()));
  }

  /**
   * Which collections the monitor's samples came from: notifications counted by collector, action and cause, and
   * how many of them found the old generation smaller than before them or than after the previous collection.
   */
  private static final class GcTally implements NotificationListener, AutoCloseable {
    private final Map<String, AtomicLong> counts = new ConcurrentSkipListMap<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private long oldAfterPrevious = -1;

    static GcTally start() {
      GcTally tally = new GcTally();
      for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
        NotificationEmitter emitter = (NotificationEmitter) collector;
        emitter.addNotificationListener(tally, null, null);
        tally.emitters.add(emitter);
      }
      return tally;
    }

    @Override
    public synchronized void handleNotification(Notification notification, Object handback) {
      if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
        return;
      }
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
      long before = oldUsed(info.getGcInfo().getMemoryUsageBeforeGc());
      long after = oldUsed(info.getGcInfo().getMemoryUsageAfterGc());
      String oldGen = after < before ? "old shrank during it"
          : oldAfterPrevious >= 0 && before < oldAfterPrevious ? "old shrank since previous" : "old grew or kept";
      oldAfterPrevious = after;
      counts.computeIfAbsent(info.getGcName() + " / " + info.getGcAction() + " / " + info.getGcCause() + " / "
          + oldGen, key -> new AtomicLong()).incrementAndGet();
    }

    private static long oldUsed(Map<String, MemoryUsage> pools) {
      return pools.entrySet().stream().filter(e -> e.getKey().contains("Old") || e.getKey().contains("Tenured"))
          .mapToLong(e -> e.getValue().getUsed()).sum();
    }

    @Override
    public synchronized String toString() {
      return counts.toString();
    }

    @Override
    public void close() throws ListenerNotFoundException {
      for (NotificationEmitter emitter : emitters) {
        emitter.removeNotificationListener(this);
      }
    }
  }

  private static boolean growing(LeakMonitorSnapshot snapshot, String registry) {
    return snapshot.registries().stream()
        .anyMatch(s -> s.name().equals(registry) && s.verdict() == LeakMonitorSnapshot.Verdict.GROWING);
  }

  /** One JDK WebSocket client: waits for a reply op; counts {@code message} frames without keeping them. */
  private static final class Session implements WebSocket.Listener, AutoCloseable {
    private final AtomicLong messages;
    private final StringBuilder partial = new StringBuilder();
    private volatile CompletableFuture<String> awaited = new CompletableFuture<>();
    private volatile String awaitedOp;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private WebSocket socket;

    private Session(AtomicLong messages) {
      this.messages = messages;
    }

    static Session open(HttpClient http, URI uri, String token, AtomicLong messages) {
      Session session = new Session(messages);
      session.socket = http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
          .connectTimeout(IO_TIMEOUT).buildAsync(uri, session).orTimeout(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          .join();
      return session;
    }

    void request(String frame, String replyOp) {
      CompletableFuture<String> reply = new CompletableFuture<>();
      awaitedOp = "\"op\":\"" + replyOp + "\"";
      awaited = reply;
      socket.sendText(frame, true).join();
      reply.orTimeout(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        if (messages != null && text.contains("\"op\":\"message\"")) {
          messages.incrementAndGet();
        } else if (awaitedOp != null && text.contains(awaitedOp)) {
          awaited.complete(text);
        } else if (text.contains("\"op\":\"error\"")) {
          awaited.completeExceptionally(new AssertionError("the service answered " + text));
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      awaited.completeExceptionally(error);
      closed.complete(null);
    }

    @Override
    public void close() {
      socket.sendClose(1000, "bye").join();
      closed.orTimeout(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }
  }
}
