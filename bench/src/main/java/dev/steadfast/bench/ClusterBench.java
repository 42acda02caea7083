package dev.steadfast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.bench.websocket.ClientConnection;
import dev.steadfast.bench.websocket.LoadGenerator;
import dev.steadfast.bench.websocket.RedisProcess;
import dev.steadfast.bench.websocket.Scenarios;
import dev.steadfast.bench.websocket.ServerProcess;
import dev.steadfast.bench.websocket.WireProtocol;
import dev.steadfast.websocket.redis.RedisBroker;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several hub nodes on one Redis, side by side in one run with what a user would compare them to.
 *
 * <ol>
 *   <li>Fan-out: one publish to {@code --fanout} subscribers spread over three nodes (child JVMs, Redis broker)
 *       vs the same on one node with the in-process broker; deliveries per second and p99 (medians over
 *       {@code --fanout-rounds} rounds), and their ratio ({@code single_node_ratio}, cluster / single).
 *   <li>Publish throughput: {@code --publishes} publishes through one node's WebSocket, each acknowledged,
 *       {@code --window} in flight, on a topic with history (node 0: the publish script, {@code EVALSHA}) and on a
 *       topic without history (a fourth node started with {@code --history-size 0}: a plain {@code PUBLISH}), vs the
 *       same count of raw Lettuce {@code PUBLISH} commands on the same Redis from this JVM, same payload size and
 *       window, to a channel without subscribers as the hub's are (the limit): {@code raw_redis_ratio} (no history)
 *       and {@code history_raw_redis_ratio} = hub / raw. Beside them: the same through a {@link RedisBroker} in this
 *       JVM, no WebSocket in front ({@code broker_alone_ratio} = history hub / broker), raw Lettuce {@code EVALSHA}
 *       of the very publish script ({@code history_raw_script_ratio} = history hub / raw script: what history costs
 *       in Redis itself), the hub with the in-process broker ({@code in_process_hub_per_s}: the hub's own bound for
 *       one publishing connection), and the microseconds Redis spent per command ({@code INFO commandstats}).
 *       Measured with {@code appendfsync always} (what exact recovery needs: every acknowledged publication is on
 *       disk; a raw {@code PUBLISH} writes nothing to the append-only file, so it is never fsynced) and again with
 *       {@code appendfsync no} ({@code *_nofsync}).
 *   <li>Recovery: a client's position on a topic, {@code --recovery-messages} acknowledged publishes after it, Redis
 *       killed (SIGKILL) and restarted from its append-only file; then a client on another node subscribes with
 *       {@code since}: the share of the missed publications it gets back ({@code recovered_pct}) and the time from
 *       Redis answering again to the last one arriving.
 * </ol>
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=cluster
 * mvn -q -Pbench verify -Dbench="cluster --fanout=1000 --publishes=5000"   # quick
 * }</pre>
 *
 * <p>Needs {@code redis-server} on the PATH ({@code apt-get install -y redis-server}); everything runs on loopback.
 */
public final class ClusterBench {
  private static final int NODES = 3;
  /** Held so the level sticks: Lettuce logs every reconnect attempt while Redis restarts, as it should. */
  private static final java.util.logging.Logger LETTUCE_LOG = quiet("io.lettuce");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PAYLOAD = "\"" + "x".repeat(64) + "\"";

  private ClusterBench() {}

  /**
   * Entry point.
   *
   * @param args {@code --name=value} options, see the class comment
   * @throws Exception if a server, Redis or the load generator fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = WebsocketBench.parse(args);
    int fanoutSubscribers = WebsocketBench.fitToFileLimit("fanout",
        WebsocketBench.intOption(options, "fanout", 10_000));
    int fanoutRounds = WebsocketBench.intOption(options, "fanout-rounds", 10);
    int publishes = WebsocketBench.intOption(options, "publishes", 50_000);
    int window = WebsocketBench.intOption(options, "window", 256);
    int recoveryMessages = WebsocketBench.intOption(options, "recovery-messages", 500);
    int historySize = Math.max(1_000, recoveryMessages);
    int serverIoThreads = WebsocketBench.intOption(options, "server-io-threads", 2);
    String serverHeap = options.getOrDefault("server-heap", "512m");

    System.out.printf(Locale.ROOT, "cluster bench: %d hub nodes (child JVMs, -Xmx%s, %d I/O threads) on one"
        + " redis-server (appendfsync always); fan-out to %,d subscribers x %d rounds; %,d publishes, %d in flight;"
        + " recovery of %,d publications (history %,d)%n", NODES, serverHeap, serverIoThreads, fanoutSubscribers,
        fanoutRounds, publishes, window, recoveryMessages, historySize);
    try (LoadGenerator generator = LoadGenerator.create(2)) {
      Scenarios.FanoutResult single;
      double inProcessHub;
      try (ServerProcess node = ServerProcess.launch("steadfast", serverIoThreads, serverHeap)) {
        WireProtocol protocol = WireProtocol.steadfast(WebsocketBench.wsUri(node), node.info("token"));
        single = new Scenarios(generator, protocol).fanout(fanoutSubscribers, 3, fanoutRounds);
        report("1 node, in-process", fanoutSubscribers, fanoutRounds, single);
        inProcessHub = hubPublishes(generator, protocol, publishes, window);
        System.out.printf(Locale.ROOT, "publish through the hub with the in-process broker (no Redis): %,.0f/s"
            + " (median of 3 runs; the hub's own bound for one publishing connection)%n", inProcessHub);
      }
      try (RedisProcess redis = RedisProcess.create()) {
        redis.start();
        byte[] secretBytes = new byte[32];
        new SecureRandom().nextBytes(secretBytes);
        String secret = HexFormat.of().formatHex(secretBytes);
        List<ServerProcess> nodes = new ArrayList<>();
        try {
          for (int i = 0; i < NODES; i++) {
            nodes.add(ServerProcess.launch("steadfast-redis", serverIoThreads, serverHeap, redis.uri(), secret,
                Integer.toString(historySize)));
          }
          List<WireProtocol> protocols = new ArrayList<>();
          for (ServerProcess node : nodes) {
            protocols.add(WireProtocol.steadfast(WebsocketBench.wsUri(node), nodes.get(0).info("token")));
          }
          Scenarios scenarios = new Scenarios(generator, protocols.get(0));
          Scenarios.FanoutResult cluster = scenarios.fanout(protocols, fanoutSubscribers, 3, fanoutRounds);
          report(NODES + " nodes, Redis", fanoutSubscribers, fanoutRounds, cluster);

          // History topics (node 0: history 1,000), then topics without history (a fourth node, --history-size 0),
          // each beside raw Lettuce PUBLISH on the same Redis, same payload size, window and fsync policy.
          nodes.add(ServerProcess.launch("steadfast-redis", serverIoThreads, serverHeap, redis.uri(), secret, "0"));
          WireProtocol plainNode = WireProtocol.steadfast(WebsocketBench.wsUri(nodes.get(NODES)),
              nodes.get(0).info("token"));
          PublishRates fsync = publishRates(generator, protocols.get(0), plainNode, redis.uri(), historySize,
              publishes, window, "always");
          redis.configSet("appendfsync", "no");
          PublishRates noFsync = publishRates(generator, protocols.get(0), plainNode, redis.uri(), historySize,
              publishes, window, "no");
          redis.configSet("appendfsync", "always");

          Recovered recovery = recovery(generator, protocols, redis, recoveryMessages, window);
          System.out.printf(Locale.ROOT, "recovery after a Redis restart: %,d of %,d acknowledged publications"
              + " recovered with since (%s), %.0f ms from Redis answering to the last one delivered%n",
              recovery.received(), recoveryMessages, recovery.reply(), recovery.millis());

          double ratio = cluster.deliveriesPerSecond() / single.deliveriesPerSecond();
          System.out.println(String.format(Locale.ROOT,
              "BENCH cluster nodes=%d fanout_per_s=%.0f fanout_p99_ms=%.2f single_node_ratio=%.2f publish_per_s=%.0f"
                  + " raw_redis_ratio=%.2f history_publish_per_s=%.0f history_raw_redis_ratio=%.2f"
                  + " history_raw_script_ratio=%.2f broker_alone_ratio=%.2f publish_nofsync_per_s=%.0f"
                  + " raw_redis_nofsync_ratio=%.2f history_publish_nofsync_per_s=%.0f"
                  + " history_raw_redis_nofsync_ratio=%.2f in_process_hub_per_s=%.0f recovered_pct=%.1f"
                  + " recovery_ms=%.0f",
              NODES, cluster.deliveriesPerSecond(), cluster.p99Millis(), ratio, fsync.plainHub(),
              fsync.plainHub() / fsync.rawPublish(), fsync.historyHub(), fsync.historyHub() / fsync.rawPublish(),
              fsync.historyHub() / fsync.rawScript(), fsync.historyHub() / fsync.historyBroker(),
              noFsync.plainHub(), noFsync.plainHub() / noFsync.rawPublish(), noFsync.historyHub(),
              noFsync.historyHub() / noFsync.rawPublish(), inProcessHub,
              100.0 * recovery.received() / recoveryMessages,
              recovery.millis()));
        } finally {
          for (ServerProcess node : nodes) {
            node.close();
          }
        }
      }
    }
  }

  private static void report(String name, int subscribers, int rounds, Scenarios.FanoutResult result) {
    System.out.printf(Locale.ROOT, "%-18s fan-out: 1 publish to %,d subscribers: %,.0f deliveries/s, p50 %.2f ms,"
        + " p99 %.2f ms (median of %d rounds)%n", name, subscribers, result.deliveriesPerSecond(),
        result.p50Millis(), result.p99Millis(), rounds);
  }

  /**
   * Publish rates with one fsync policy: a topic with history (the script) and one without (plain PUBLISH), each
   * through the hub and through the broker alone, and Redis' own limits from this JVM: raw Lettuce {@code PUBLISH}
   * and raw Lettuce {@code EVALSHA} of the very publish script; with the microseconds Redis spent per command
   * ({@code INFO commandstats}).
   */
  record PublishRates(double historyHub, double historyBroker, double rawScript, double plainHub,
      double plainBroker, double rawPublish) {}

  static PublishRates publishRates(LoadGenerator generator, WireProtocol historyNode, WireProtocol plainNode,
      String uri, int historySize, int count, int window, String appendfsync) throws Exception {
    resetStats(uri);
    double historyHub = hubPublishes(generator, historyNode, count, window);
    String historyStats = commandStats(uri);
    double historyBroker = brokerPublishes(uri, historySize, count, window);
    double rawScript = rawScriptPublishes(uri, historySize, count, window);
    resetStats(uri);
    double plainHub = hubPublishes(generator, plainNode, count, window);
    String plainStats = commandStats(uri);
    double plainBroker = brokerPublishes(uri, 0, count, window);
    resetStats(uri);
    double rawPublish = rawPublishes(uri, count, window);
    String rawStats = commandStats(uri);
    System.out.printf(Locale.ROOT, "publish, appendfsync %s, %,d x %d in flight (median of 3 runs each):%n"
        + "  history topic: hub %,.0f/s, RedisBroker alone %,.0f/s, raw Lettuce EVALSHA of the script %,.0f/s;"
        + " Redis per hub publish: %s%n"
        + "  topic without history: hub %,.0f/s, RedisBroker alone %,.0f/s; Redis per hub publish: %s%n"
        + "  raw Lettuce PUBLISH %,.0f/s; Redis per raw publish: %s%n",
        appendfsync, count, window, historyHub, historyBroker, rawScript, historyStats, plainHub, plainBroker,
        plainStats, rawPublish, rawStats);
    return new PublishRates(historyHub, historyBroker, rawScript, plainHub, plainBroker, rawPublish);
  }

  private static void resetStats(String uri) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8)) {
      connection.sync().configResetstat();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** The publishing commands of {@code INFO commandstats} as {@code name=calls/usec_per_call}. */
  private static String commandStats(String uri) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8)) {
      StringBuilder stats = new StringBuilder();
      for (String line : connection.sync().info("commandstats").split("\r?\n")) {
        for (String command : List.of("evalsha", "eval", "publish", "script|load")) {
          if (line.startsWith("cmdstat_" + command + ":")) {
            String calls = line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1");
            String micros = line.replaceAll(".*usec_per_call=([0-9.]+).*", "$1");
            stats.append(stats.length() == 0 ? "" : ", ").append(command).append(' ').append(calls)
                .append(" calls ").append(micros).append(" us each");
          }
        }
      }
      return stats.length() == 0 ? "none" : stats.toString();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Publishes per second through one node's WebSocket, counted at the ack; the median of three runs. */
  static double hubPublishes(LoadGenerator generator, WireProtocol node, int count, int window) throws Exception {
    Semaphore permits = new Semaphore(window);
    AtomicInteger refused = new AtomicInteger();
    ClientConnection publisher = generator.connect(node.target(), (connection, text) -> {
      if (text.contains("\"op\":\"error\"")) {
        refused.incrementAndGet();
      }
      permits.release();  // an ack or an error: the hub answers each publish once
    }).get(60, TimeUnit.SECONDS);
    try {
      double rate = medianRate(permits, window, count, i -> publisher.send(
          "{\"op\":\"publish\",\"topic\":\"throughput\",\"id\":" + i + ",\"payload\":" + PAYLOAD + "}"));
      requireNoneRefused(refused, "the hub");
      return rate;
    } finally {
      publisher.reset();
    }
  }

  /** Raw Lettuce PUBLISH per second on the same Redis, same payload size and window; the median of three runs. */
  static double rawPublishes(String uri, int count, int window) throws Exception {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8)) {
      Semaphore permits = new Semaphore(window);
      AtomicInteger refused = new AtomicInteger();
      double rate = medianRate(permits, window, count, i -> connection.async()
          .publish("steadfast:topic:raw", i + " epoch " + PAYLOAD)
          .whenComplete((receivers, failure) -> answered(permits, refused, failure)));
      requireNoneRefused(refused, "Redis");
      return rate;
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * Raw Lettuce {@code EVALSHA} of the broker's publish script per second (same keys, payload, history size and
   * window as a history topic's publish, no WebSocket, no broker): what keeping a history costs in Redis itself.
   */
  static double rawScriptPublishes(String uri, int historySize, int count, int window) throws Exception {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8)) {
      String sha = connection.sync().scriptLoad(RedisBroker.publishScript());
      String[] keys = {"steadfast:meta:raw-script", "steadfast:history:raw-script"};
      Semaphore permits = new Semaphore(window);
      AtomicInteger refused = new AtomicInteger();
      double rate = medianRate(permits, window, count, i -> connection.async()
          .<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, "steadfast:topic:raw-script", PAYLOAD,
              Integer.toString(historySize), "300", "epoch")
          .whenComplete((offset, failure) -> answered(permits, refused, failure)));
      requireNoneRefused(refused, "Redis");
      return rate;
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * {@link RedisBroker#publish} per second from this JVM, without a WebSocket in front: the history script's cost on
   * Redis and Lettuce's, i.e. what the hub is bounded by; the median of three runs.
   */
  static double brokerPublishes(String uri, int historySize, int count, int window) throws Exception {
    try (RedisBroker broker = RedisBroker.connect(RedisBrokerConfig.custom().uri(uri).historySize(historySize)
        .build())) {
      String topic = historySize > 0 ? "broker-alone" : "broker-alone-plain";
      Semaphore permits = new Semaphore(window);
      AtomicInteger refused = new AtomicInteger();
      double rate = medianRate(permits, window, count, i -> broker.publish(topic, PAYLOAD)
          .whenComplete((ignored, failure) -> answered(permits, refused, failure)));
      requireNoneRefused(refused, "the Redis broker");
      return rate;
    }
  }

  /** Sends publish number {@code i}; whoever receives its answer releases one permit. */
  @FunctionalInterface
  interface Send {
    void publish(int i) throws Exception;
  }

  /** {@code count} publishes with at most {@code window} unanswered, four times; the median rate of the last three. */
  private static double medianRate(Semaphore permits, int window, int count, Send send) throws Exception {
    double[] rates = new double[3];
    for (int run = 0; run < rates.length + 1; run++) {
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        acquire(permits);
        send.publish(i);
      }
      acquireAll(permits, window);
      if (run > 0) {
        rates[run - 1] = count / ((System.nanoTime() - start) / 1e9);  // run 0 warms up
      }
    }
    return median(rates);
  }

  private static void answered(Semaphore permits, AtomicInteger refused, Throwable failure) {
    if (failure != null) {
      refused.incrementAndGet();
    }
    permits.release();
  }

  private static void requireNoneRefused(AtomicInteger refused, String who) {
    if (refused.get() > 0) {
      throw new IllegalStateException(refused.get() + " publishes were refused by " + who);
    }
  }

  record Recovered(int received, double millis, String reply) {}

  /**
   * A position taken on node 1, acknowledged publishes through node 0, Redis killed and restarted; a client on node 2
   * subscribes with that position and counts the distinct missed offsets it gets.
   */
  static Recovered recovery(LoadGenerator generator, List<WireProtocol> nodes, RedisProcess redis, int messages,
      int window) throws Exception {
    BlockingQueue<String> firstFrames = new LinkedBlockingQueue<>();
    ClientConnection first = generator.connect(nodes.get(1).target(), (c, text) -> firstFrames.add(text))
        .get(60, TimeUnit.SECONDS);
    first.send("{\"op\":\"subscribe\",\"topic\":\"recovery\"}");
    JsonNode subscribed = JSON.readTree(take(firstFrames));
    first.reset();
    long since = subscribed.path("offset").asLong();
    String epoch = subscribed.path("epoch").asText();

    Semaphore permits = new Semaphore(window);
    AtomicInteger acks = new AtomicInteger();
    ClientConnection publisher = generator.connect(nodes.get(0).target(), (c, text) -> {
      if (text.contains("\"op\":\"ack\"")) {
        acks.incrementAndGet();
      }
      permits.release();
    }).get(60, TimeUnit.SECONDS);
    for (int i = 0; i < messages; i++) {
      acquire(permits);
      publisher.send("{\"op\":\"publish\",\"topic\":\"recovery\",\"payload\":" + i + "}");
    }
    acquireAll(permits, window);
    publisher.reset();
    if (acks.get() != messages) {
      throw new IllegalStateException("only " + acks.get() + " of " + messages + " publishes were acknowledged");
    }

    redis.kill();
    redis.start();
    long back = System.nanoTime();
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    ClientConnection recovering = generator.connect(nodes.get(2).target(), (c, text) -> frames.add(text))
        .get(60, TimeUnit.SECONDS);
    try {
      String reply;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      do {
        // Refused (broker_unavailable) until this node has reconnected: ask again.
        recovering.send("{\"op\":\"subscribe\",\"topic\":\"recovery\",\"since\":{\"offset\":" + since
            + ",\"epoch\":\"" + epoch + "\"}}");
        reply = take(frames);
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no subscription within 30 s of Redis restarting: " + reply);
        }
      } while (!reply.contains("\"op\":\"subscribed\"") && sleep());
      TreeSet<Long> offsets = new TreeSet<>();
      long last = System.nanoTime();
      String frame;
      while (offsets.size() < messages && (frame = frames.poll(5, TimeUnit.SECONDS)) != null) {
        long offset = JSON.readTree(frame).path("offset").asLong();
        if (offset > since && offset <= since + messages) {
          offsets.add(offset);
          last = System.nanoTime();
        }
      }
      JsonNode answer = JSON.readTree(reply);
      return new Recovered(offsets.size(), (last - back) / 1e6, "recovered=" + answer.path("recovered").asText()
          + ", epoch " + (epoch.equals(answer.path("epoch").asText()) ? "kept" : "changed"));
    } finally {
      recovering.reset();
    }
  }

  /** Lettuce logs through java.util.logging here (slf4j-nop is bound); only its errors are worth a line. */
  static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static boolean sleep() throws InterruptedException {
    Thread.sleep(50);
    return true;
  }

  private static String take(BlockingQueue<String> frames) throws InterruptedException {
    String frame = frames.poll(30, TimeUnit.SECONDS);
    if (frame == null) {
      throw new IllegalStateException("no answer from the hub within 30 s");
    }
    return frame;
  }

  private static void acquire(Semaphore permits) throws InterruptedException {
    if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no ack within 60 s");
    }
  }

  private static void acquireAll(Semaphore permits, int window) throws InterruptedException {
    if (!permits.tryAcquire(window, 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("publishes still unanswered after 60 s");
    }
    permits.release(window);
  }
}
