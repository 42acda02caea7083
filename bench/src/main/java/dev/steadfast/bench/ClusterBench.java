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
 *   <li>Publish throughput: {@code --publishes} publishes through one node's WebSocket, each acknowledged (so each
 *       ran the history script on Redis), {@code --window} in flight, vs the same count of raw Lettuce
 *       {@code PUBLISH} commands on the same Redis from this JVM (the limit); {@code raw_redis_ratio} = hub / raw.
 *       In between, the same through a {@link RedisBroker} in this JVM, no WebSocket in front
 *       ({@code broker_alone_ratio} = hub / broker: what the hub adds to the history script's cost).
 *       Measured with {@code appendfsync always} (what exact recovery needs: every acknowledged publication is on
 *       disk) and again with {@code appendfsync no} ({@code *_nofsync}: the hub's own cost).
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
      try (ServerProcess node = ServerProcess.launch("steadfast", serverIoThreads, serverHeap)) {
        WireProtocol protocol = WireProtocol.steadfast(WebsocketBench.wsUri(node), node.info("token"));
        single = new Scenarios(generator, protocol).fanout(fanoutSubscribers, 3, fanoutRounds);
        report("1 node, in-process", fanoutSubscribers, fanoutRounds, single);
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

          double hubRate = hubPublishes(generator, protocols.get(0), publishes, window);
          double brokerRate = brokerPublishes(redis.uri(), historySize, publishes, window);
          double rawRate = rawPublishes(redis.uri(), publishes, window);
          System.out.printf(Locale.ROOT, "publish, appendfsync always: through the hub (acked, history script)"
              + " %,.0f/s vs RedisBroker alone in this JVM %,.0f/s vs raw Lettuce PUBLISH %,.0f/s (median of 3 runs"
              + " each)%n", hubRate, brokerRate, rawRate);
          // The same without an fsync per write: what the hub costs apart from the durability it asks of Redis.
          redis.configSet("appendfsync", "no");
          double hubRateNoFsync = hubPublishes(generator, protocols.get(0), publishes, window);
          double rawRateNoFsync = rawPublishes(redis.uri(), publishes, window);
          redis.configSet("appendfsync", "always");
          System.out.printf(Locale.ROOT, "publish, appendfsync no: through the hub %,.0f/s vs raw Lettuce PUBLISH"
              + " %,.0f/s (median of 3 runs each)%n", hubRateNoFsync, rawRateNoFsync);

          Recovered recovery = recovery(generator, protocols, redis, recoveryMessages, window);
          System.out.printf(Locale.ROOT, "recovery after a Redis restart: %,d of %,d acknowledged publications"
              + " recovered with since (%s), %.0f ms from Redis answering to the last one delivered%n",
              recovery.received(), recoveryMessages, recovery.reply(), recovery.millis());

          double ratio = cluster.deliveriesPerSecond() / single.deliveriesPerSecond();
          System.out.println(String.format(Locale.ROOT,
              "BENCH cluster nodes=%d fanout_per_s=%.0f fanout_p99_ms=%.2f single_node_ratio=%.2f publish_per_s=%.0f"
                  + " raw_redis_ratio=%.2f broker_alone_ratio=%.2f publish_nofsync_per_s=%.0f"
                  + " raw_redis_nofsync_ratio=%.2f recovered_pct=%.1f recovery_ms=%.0f",
              NODES, cluster.deliveriesPerSecond(), cluster.p99Millis(), ratio, hubRate, hubRate / rawRate,
              hubRate / brokerRate,
              hubRateNoFsync, hubRateNoFsync / rawRateNoFsync, 100.0 * recovery.received() / recoveryMessages,
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
   * {@link RedisBroker#publish} per second from this JVM, without a WebSocket in front: the history script's cost on
   * Redis and Lettuce's, i.e. what the hub is bounded by; the median of three runs.
   */
  static double brokerPublishes(String uri, int historySize, int count, int window) throws Exception {
    try (RedisBroker broker = RedisBroker.connect(RedisBrokerConfig.custom().uri(uri).historySize(historySize)
        .build())) {
      Semaphore permits = new Semaphore(window);
      AtomicInteger refused = new AtomicInteger();
      double rate = medianRate(permits, window, count, i -> broker.publish("broker-alone", PAYLOAD)
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
