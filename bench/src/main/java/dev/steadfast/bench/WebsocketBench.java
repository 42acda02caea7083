package dev.steadfast.bench;

import dev.steadfast.bench.websocket.ClientConnection;
import dev.steadfast.bench.websocket.LoadGenerator;
import dev.steadfast.bench.websocket.Scenarios;
import dev.steadfast.bench.websocket.ServerProcess;
import dev.steadfast.bench.websocket.WireProtocol;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * WebSocket benchmark: the Steadfast service side by side with a minimal raw-Netty WebSocket echo server, in
 * the same run.
 *
 * <p>Each server runs in its own child JVM (same class path, {@code -Xmx/-Xms} from {@code --server-heap}) so its
 * heap holds the server side of the connections only; the load generator runs in this JVM. Live heap is the total
 * of a class histogram (the JVM takes it after a full collection), read in the child.
 *
 * <ol>
 *   <li>Heap per idle connection: live heap with {@code --connections} idle connections minus live heap with
 *       none (after a warm-up), divided by the count; for both servers, and their ratio.
 *   <li>Churn (Steadfast): {@code --churn} connect-subscribe-disconnect cycles ending four ways in turn (close
 *       frame, FIN without close frame, RST, RST while subscribing); then registry size, live heap change and
 *       thread-count change against the baseline taken after a warm-up.
 *   <li>Fan-out: one publish to {@code --fanout} subscribers, deliveries per second and p99 latency (medians
 *       over {@code --fanout-rounds} rounds); for both servers.
 *   <li>Inbound: one connection publishes {@code --inbound} messages of 60,000 bytes to a topic only it is
 *       subscribed to, 8 in flight, and gets each back: megabytes per second the server read (median of three
 *       runs); for both servers (the raw one: {@code join}, {@code broadcast:}). Large frames take several socket
 *       reads, so this is where the size of a read shows.
 * </ol>
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=websocket
 * mvn -q -Pbench verify -Dbench="websocket --connections=2000 --churn=5000 --fanout=1000"   # quick
 * # load generator against a running server (bin/steadfast-server --environment development prints a development token):
 * mvn -q -Pbench verify -Dbench="websocket --target=ws://localhost:8080/ws --token=eyJ... --scenario=churn"
 * }</pre>
 *
 * <p>Each process holds one socket per connection: the open-files limit ({@code ulimit -n}) caps
 * {@code --connections} and {@code --fanout}; when it is lower than asked, the count is lowered and said so.
 */
public final class WebsocketBench {
  /** File descriptors kept free for the JVM's own use (jars, selectors, pipes). */
  private static final int RESERVED_FILE_DESCRIPTORS = 300;

  private WebsocketBench() {}

  /**
   * Entry point.
   *
   * @param args {@code --name=value} options, see the class comment
   * @throws Exception if a server or the load generator fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    if (options.containsKey("target")) {
      runLoad(options);
      return;
    }
    int connections = fitToFileLimit("connections", intOption(options, "connections", 20_000));
    int churnCycles = intOption(options, "churn", 200_000);
    int churnConcurrency = intOption(options, "churn-concurrency", 64);
    int fanoutSubscribers = fitToFileLimit("fanout", intOption(options, "fanout", 10_000));
    int fanoutRounds = intOption(options, "fanout-rounds", 10);
    int inboundMessages = intOption(options, "inbound", 5_000);
    int serverIoThreads = intOption(options, "server-io-threads", 2);
    int clientIoThreads = intOption(options, "client-io-threads", 2);
    String serverHeap = options.getOrDefault("server-heap", "1g");

    System.out.printf(Locale.ROOT, "websocket bench: %,d idle connections, %,d churn cycles (concurrency %d),"
        + " fan-out to %,d subscribers x %d rounds; servers in child JVMs (-Xmx%s, %d I/O threads), load generator"
        + " here (%d I/O threads)%n", connections, churnCycles, churnConcurrency, fanoutSubscribers, fanoutRounds,
        serverHeap, serverIoThreads, clientIoThreads);
    try (LoadGenerator generator = LoadGenerator.create(clientIoThreads)) {
      IdleResult rawIdle;
      Scenarios.FanoutResult rawFanout;
      double rawInbound;
      double oursInbound;
      try (ServerProcess raw = ServerProcess.launch("raw", serverIoThreads, serverHeap)) {
        Scenarios scenarios = new Scenarios(generator, WireProtocol.rawEcho(wsUri(raw)));
        rawIdle = idle("raw-netty", raw, scenarios, connections);
        rawFanout = fanout("raw-netty", scenarios, fanoutSubscribers, fanoutRounds);
        rawInbound = inbound("raw-netty", scenarios, inboundMessages);
      }
      IdleResult oursIdle;
      ChurnOutcome churn;
      Scenarios.FanoutResult oursFanout;
      try (ServerProcess ours = ServerProcess.launch("steadfast", serverIoThreads, serverHeap)) {
        Scenarios scenarios = new Scenarios(generator, WireProtocol.steadfast(wsUri(ours), ours.info("token")));
        oursIdle = idle("steadfast", ours, scenarios, connections);
        churn = churn("steadfast", ours, scenarios, churnCycles, churnConcurrency);
        oursFanout = fanout("steadfast", scenarios, fanoutSubscribers, fanoutRounds);
        oursInbound = inbound("steadfast", scenarios, inboundMessages);
      }
      double ratio = (double) oursIdle.bytesPerConnection() / rawIdle.bytesPerConnection();
      System.out.printf(Locale.ROOT, "side by side: heap/connection steadfast %,d B vs raw Netty %,d B (x%.2f);"
          + " RSS/connection steadfast %,d B vs raw Netty %,d B;"
          + " fan-out steadfast %,.0f/s p99 %.2f ms vs raw Netty %,.0f/s p99 %.2f ms%n",
          oursIdle.bytesPerConnection(), rawIdle.bytesPerConnection(), ratio, oursIdle.residentBytesPerConnection(),
          rawIdle.residentBytesPerConnection(), oursFanout.deliveriesPerSecond(),
          oursFanout.p99Millis(), rawFanout.deliveriesPerSecond(), rawFanout.p99Millis());
      System.out.println(String.format(Locale.ROOT,
          "BENCH websocket bytes_per_conn=%d netty_ratio=%.2f rss_per_conn=%d netty_rss_per_conn=%d churn_cycles=%d"
              + " registry_after=%d churn_heap_delta_pct=%.2f threads_delta=%d fanout_per_s=%.0f fanout_p99_ms=%.2f"
              + " inbound_mb_per_s=%.1f netty_inbound_mb_per_s=%.1f",
          oursIdle.bytesPerConnection(), ratio, oursIdle.residentBytesPerConnection(),
          rawIdle.residentBytesPerConnection(), churn.completed(), churn.registryAfter(), churn.heapDeltaPercent(),
          churn.threadsDelta(), oursFanout.deliveriesPerSecond(), oursFanout.p99Millis(), oursInbound, rawInbound));
    }
  }

  /**
   * Load-generator mode: drives a running server (e.g. one started with {@code bin/steadfast-server --environment development}) instead of
   * benchmarking child servers. {@code --target=ws://host:port/ws --token=<token> [--protocol=steadfast|raw]
   * [--scenario=idle|churn|fanout|all] [--connections=N --hold=SECONDS --churn=N --fanout=N]}.
   */
  static void runLoad(Map<String, String> options) throws Exception {
    URI target = URI.create(options.get("target"));
    String protocolName = options.getOrDefault("protocol", "steadfast");
    WireProtocol protocol = switch (protocolName) {
      case "steadfast" -> WireProtocol.steadfast(target, requireOption(options, "token"));
      case "raw" -> WireProtocol.rawEcho(target);
      default -> throw new IllegalArgumentException("--protocol must be steadfast or raw: " + protocolName);
    };
    String scenario = options.getOrDefault("scenario", "all");
    if (!List.of("idle", "churn", "fanout", "all").contains(scenario)) {
      throw new IllegalArgumentException("--scenario must be idle, churn, fanout or all: " + scenario);
    }
    try (LoadGenerator generator = LoadGenerator.create(intOption(options, "client-io-threads", 2))) {
      Scenarios scenarios = new Scenarios(generator, protocol);
      if (scenario.equals("idle") || scenario.equals("all")) {
        int count = fitToFileLimit("connections", intOption(options, "connections", 1_000));
        long start = System.nanoTime();
        List<ClientConnection> open = scenarios.openIdle(count, 256);
        System.out.printf(Locale.ROOT, "LOAD idle: %,d connections open in %.1f s, holding %d s%n", open.size(),
            (System.nanoTime() - start) / 1e9, intOption(options, "hold", 10));
        Thread.sleep(intOption(options, "hold", 10) * 1000L);
        long stillOpen = open.stream().filter(ClientConnection::isOpen).count();
        Scenarios.resetAll(open);
        System.out.printf(Locale.ROOT, "LOAD idle: %,d of %,d still open after the hold%n", stillOpen, open.size());
      }
      if (scenario.equals("churn") || scenario.equals("all")) {
        Scenarios.ChurnResult churn = scenarios.churn(intOption(options, "churn", 10_000),
            intOption(options, "churn-concurrency", 64));
        System.out.printf(Locale.ROOT, "LOAD churn: %,d cycles in %.1f s (%,.0f/s), %d failed%s%n", churn.completed(),
            churn.seconds(), churn.cyclesPerSecond(), churn.failed(),
            churn.failed() > 0 ? " (first: " + churn.firstFailure() + ")" : "");
      }
      if (scenario.equals("fanout") || scenario.equals("all")) {
        fanout("target", scenarios, fitToFileLimit("fanout", intOption(options, "fanout", 1_000)),
            intOption(options, "fanout-rounds", 10));
      }
    }
  }

  private static String requireOption(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + name + " is required with --target (the server prints a"
          + " development token at start)");
    }
    return value;
  }

  record ChurnOutcome(int completed, int registryAfter, double heapDeltaPercent, int threadsDelta) {}

  static ChurnOutcome churn(String name, ServerProcess server, Scenarios scenarios, int cycles, int concurrency)
      throws Exception {
    int warmup = Math.max(100, Math.min(5_000, cycles / 10));
    scenarios.churn(warmup, concurrency);
    awaitRegistry(server, 0);
    ServerProcess.Stats before = server.stats();
    Scenarios.ChurnResult result = scenarios.churn(cycles, concurrency);
    awaitRegistry(server, 0);
    ServerProcess.Stats after = server.stats();
    double heapDelta = 100.0 * (after.liveHeapBytes() - before.liveHeapBytes()) / before.liveHeapBytes();
    int threadsDelta = after.threads() - before.threads();
    System.out.printf(Locale.ROOT, "%-10s churn: %,d of %,d cycles completed in %.1f s (%,.0f/s; ends: close frame,"
        + " FIN, RST, RST while subscribing), %d failed%s; registry %d; live heap %,d -> %,d bytes (%+.2f %%);"
        + " threads %d -> %d%n", name, result.completed(), cycles, result.seconds(), result.cyclesPerSecond(),
        result.failed(), result.failed() > 0 ? " (first: " + result.firstFailure() + ")" : "", after.registry(),
        before.liveHeapBytes(), after.liveHeapBytes(), heapDelta, before.threads(), after.threads());
    return new ChurnOutcome(result.completed(), after.registry(), heapDelta, threadsDelta);
  }

  record IdleResult(int connections, long bytesPerConnection, long residentBytesPerConnection) {}

  static IdleResult idle(String name, ServerProcess server, Scenarios scenarios, int count) throws Exception {
    int warmup = Math.min(1000, count);
    Scenarios.resetAll(scenarios.openIdle(warmup, 256));
    awaitRegistry(server, 0);
    ServerProcess.Stats before = server.stats();
    List<ClientConnection> open = scenarios.openIdle(count, 256);
    awaitRegistry(server, count);
    ServerProcess.Stats after = server.stats();
    Scenarios.resetAll(open);
    awaitRegistry(server, 0);
    long perConnection = (after.liveHeapBytes() - before.liveHeapBytes()) / count;
    long residentPerConnection = (after.residentBytes() - before.residentBytes()) / count;
    System.out.printf(Locale.ROOT, "%-10s idle: %,d connections, live heap %,d -> %,d bytes: %,d bytes per connection;"
        + " process RSS %,d -> %,d bytes: %,d bytes per connection%n", name, count, before.liveHeapBytes(),
        after.liveHeapBytes(), perConnection, before.residentBytes(), after.residentBytes(), residentPerConnection);
    return new IdleResult(count, perConnection, residentPerConnection);
  }

  static Scenarios.FanoutResult fanout(String name, Scenarios scenarios, int subscribers, int rounds)
      throws Exception {
    Scenarios.FanoutResult result = scenarios.fanout(subscribers, 3, rounds);
    System.out.printf(Locale.ROOT,
        "%-10s fan-out: 1 publish to %,d subscribers: %,.0f deliveries/s, p50 %.2f ms, p99 %.2f ms (median of %d rounds)%n",
        name, subscribers, result.deliveriesPerSecond(), result.p50Millis(), result.p99Millis(), rounds);
    return result;
  }

  /** Payload of each inbound message: a large frame that still fits both servers' 64 KiB message limit. */
  static final int INBOUND_PAYLOAD_BYTES = 60_000;

  /** Large messages read (and written back) per second: median MB/s of three runs after a warm-up run. */
  static double inbound(String name, Scenarios scenarios, int messages) throws Exception {
    scenarios.inbound(Math.max(100, messages / 5), 8, INBOUND_PAYLOAD_BYTES);
    double[] rates = new double[3];
    for (int i = 0; i < rates.length; i++) {
      rates[i] = scenarios.inbound(messages, 8, INBOUND_PAYLOAD_BYTES).megabytesPerSecond();
    }
    double[] sorted = rates.clone();
    java.util.Arrays.sort(sorted);
    double median = sorted[1];
    System.out.printf(Locale.ROOT, "%-10s inbound: %,d messages of %,d bytes published to itself, 8 in flight:"
        + " %.1f MB/s read by the server (median of %.1f / %.1f / %.1f)%n", name, messages, INBOUND_PAYLOAD_BYTES,
        median, rates[0], rates[1], rates[2]);
    return median;
  }

  static void awaitRegistry(ServerProcess server, int expected) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    int size;
    while ((size = server.registry()) != expected) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("server registry holds " + size + " connections, expected " + expected
            + " within 120 s");
      }
      Thread.sleep(50);
    }
  }

  static URI wsUri(ServerProcess server) {
    return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  /** Lowers a connection count to what the open-files limit allows, and says so. */
  static int fitToFileLimit(String option, int requested) {
    long limit = openFilesLimit();
    long allowed = limit - RESERVED_FILE_DESCRIPTORS;
    if (requested <= allowed) {
      return requested;
    }
    System.out.printf(Locale.ROOT, "note: --%s=%d lowered to %d: the open-files limit (ulimit -n) is %d and cannot"
        + " be raised from inside this process; raise it before running for the full count%n",
        option, requested, allowed, limit);
    return (int) allowed;
  }

  private static long openFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: no way to read the limit; trust the caller.
    }
    return Long.MAX_VALUE;
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("options look like --name=value: " + arg);
      }
      int eq = arg.indexOf('=');
      options.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return options;
  }

  static int intOption(Map<String, String> options, String name, int defaultValue) {
    String value = options.get(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(value.replace("_", ""));
      if (parsed < 1) {
        throw new IllegalArgumentException("--" + name + " must be at least 1: " + value);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number: " + value, e);
    }
  }
}
