package dev.steadfast.bench.websocket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load generator's scenarios: idle connections, connect-subscribe-disconnect churn (clean and abrupt
 * endings), and fan-out of one publish to many subscribers.
 *
 * <pre>{@code
 * Scenarios scenarios = new Scenarios(generator, protocol);
 * ChurnResult churn = scenarios.churn(10_000, 64);
 * FanoutResult fanout = scenarios.fanout(1_000, 3, 10);
 * }</pre>
 */
public final class Scenarios {
  private static final long ROUND_TIMEOUT_SECONDS = 60;

  private final LoadGenerator generator;
  private final WireProtocol protocol;

  /**
   * Creates the scenarios for one server.
   *
   * @param generator the client side
   * @param protocol how to speak to the server
   */
  public Scenarios(LoadGenerator generator, WireProtocol protocol) {
    this.generator = generator;
    this.protocol = protocol;
  }

  /** How a churn cycle ends; each is a different cleanup path on the server. */
  public enum Ending {
    /** Close frame 1000, the server closes TCP. */
    CLEAN_CLOSE,
    /** TCP FIN without a close frame. */
    VANISH,
    /** TCP RST after the subscription was acknowledged. */
    RESET,
    /** TCP RST right after sending subscribe, racing the server's handling of it. */
    RESET_DURING_SUBSCRIBE
  }

  /**
   * The outcome of a churn run.
   *
   * @param completed cycles that connected, subscribed and ended as planned
   * @param failed cycles that failed (connect refused, handshake error, no acknowledgement)
   * @param firstFailure the first failure's message, or empty
   * @param seconds wall time
   */
  public record ChurnResult(int completed, int failed, String firstFailure, double seconds) {
    /** Returns completed cycles per second. */
    public double cyclesPerSecond() {
      return completed / seconds;
    }
  }

  /**
   * The outcome of a fan-out run: medians over the measured rounds.
   *
   * @param subscribers subscribers per publish
   * @param rounds measured rounds
   * @param deliveriesPerSecond median over rounds of subscribers / (last delivery - publish)
   * @param p50Millis median over rounds of the round's median delivery latency
   * @param p99Millis median over rounds of the round's 99th-percentile delivery latency
   */
  public record FanoutResult(int subscribers, int rounds, double deliveriesPerSecond, double p50Millis,
      double p99Millis) {}

  /**
   * Opens idle connections (handshake only, no subscription).
   *
   * @param count how many
   * @param concurrency handshakes in flight at most
   * @return the connections; end them with {@link #resetAll(List)}
   * @throws Exception if a connection failed
   */
  public List<ClientConnection> openIdle(int count, int concurrency) throws Exception {
    return generator.openMany(protocol.target(), count, concurrency, FrameListener.IGNORE);
  }

  /**
   * Resets every connection and waits until all are closed on the client side.
   *
   * @param connections the connections
   */
  public static void resetAll(List<ClientConnection> connections) {
    CompletableFuture.allOf(connections.stream().map(ClientConnection::reset).toArray(CompletableFuture[]::new))
        .orTimeout(60, TimeUnit.SECONDS).join();
  }

  /**
   * Runs connect-subscribe-disconnect cycles; cycle {@code i} ends with {@code Ending.values()[i % 4]}.
   *
   * @param cycles how many cycles
   * @param concurrency cycles in flight at most
   * @return what happened
   * @throws InterruptedException if interrupted
   */
  public ChurnResult churn(int cycles, int concurrency) throws InterruptedException {
    Semaphore permits = new Semaphore(concurrency);
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>("");
    Ending[] endings = Ending.values();
    FrameListener acks = (connection, text) -> {
      if (protocol.isSubscribeAck(text) && connection.attachment() instanceof CompletableFuture<?> ack) {
        ack.complete(null);
      }
    };
    long start = System.nanoTime();
    for (int i = 0; i < cycles; i++) {
      permits.acquire();
      Ending ending = endings[i % endings.length];
      String topic = "churn:" + (i % 100);
      generator.connect(protocol.target(), acks)
          .thenCompose(connection -> cycle(connection, topic, ending))
          .orTimeout(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .whenComplete((ignored, error) -> {
            if (error == null) {
              completed.incrementAndGet();
            } else {
              failed.incrementAndGet();
              firstFailure.compareAndSet("", String.valueOf(error));
            }
            permits.release();
          });
    }
    permits.acquire(concurrency);
    permits.release(concurrency);
    return new ChurnResult(completed.get(), failed.get(), firstFailure.get(), (System.nanoTime() - start) / 1e9);
  }

  private CompletableFuture<Integer> cycle(ClientConnection connection, String topic, Ending ending) {
    CompletableFuture<Void> ack = new CompletableFuture<>();
    connection.attach(ack);
    connection.send(protocol.subscribeFrame(topic));
    if (ending == Ending.RESET_DURING_SUBSCRIBE) {
      return connection.reset();
    }
    return ack.thenCompose(ignored -> switch (ending) {
      case CLEAN_CLOSE -> connection.closeCleanly(1000);
      case VANISH -> connection.vanish();
      default -> connection.reset();
    });
  }

  /**
   * Subscribes {@code subscribers} connections to one topic, then publishes from one more connection, one
   * message per round, and measures when each subscriber received it.
   *
   * @param subscribers subscriber connections
   * @param warmupRounds rounds run but not measured
   * @param rounds measured rounds
   * @return medians over measured rounds
   * @throws Exception if a connection fails or a round does not complete within a minute
   */
  public FanoutResult fanout(int subscribers, int warmupRounds, int rounds) throws Exception {
    return fanout(List.of(protocol), subscribers, warmupRounds, rounds);
  }

  /**
   * The same with subscribers spread round-robin over {@code nodes} (several hub nodes sharing a broker); the
   * publisher connects to the first node.
   */
  public FanoutResult fanout(List<WireProtocol> nodes, int subscribers, int warmupRounds, int rounds)
      throws Exception {
    String topic = "fanout";
    AtomicReference<Round> current = new AtomicReference<>();
    FrameListener listener = (connection, text) -> {
      Object attachment = connection.attachment();
      if (attachment instanceof Subscriber s) {
        if (protocol.isSubscribeAck(text)) {
          s.subscribed.complete(null);
        } else {
          Round round = current.get();
          if (round != null && text.contains(round.marker)) {
            round.delivered(s.index);
          }
        }
      }
    };
    List<ClientConnection> connections = new ArrayList<>(subscribers);
    for (int n = 0; n < nodes.size(); n++) {
      int onNode = subscribers / nodes.size() + (n < subscribers % nodes.size() ? 1 : 0);
      connections.addAll(generator.openMany(nodes.get(n).target(), onNode, 256, listener));
    }
    ClientConnection publisher = generator.connect(nodes.get(0).target(), FrameListener.IGNORE)
        .get(60, TimeUnit.SECONDS);
    try {
      List<CompletableFuture<Void>> subscribed = new ArrayList<>(subscribers);
      for (int i = 0; i < connections.size(); i++) {
        Subscriber s = new Subscriber(i);
        connections.get(i).attach(s);
        subscribed.add(s.subscribed);
        connections.get(i).send(protocol.subscribeFrame(topic));
      }
      CompletableFuture<Void> all = CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new));
      try {
        all.get(ROUND_TIMEOUT_SECONDS * 3, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException(subscribed.stream().filter(CompletableFuture::isDone).count() + " of "
            + subscribers + " subscriptions confirmed within " + ROUND_TIMEOUT_SECONDS * 3 + " s", e);
      }
      double[] rates = new double[rounds];
      double[] p50s = new double[rounds];
      double[] p99s = new double[rounds];
      for (int r = 0; r < warmupRounds + rounds; r++) {
        Round round = new Round("#" + r + "#", subscribers);
        current.set(round);
        round.publishedAt = System.nanoTime();
        publisher.send(protocol.publishFrame(topic, "fanout" + round.marker));
        if (!round.done.await(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          throw new IllegalStateException("fan-out round " + r + " delivered " + (subscribers - round.done.getCount())
              + " of " + subscribers + " messages within " + ROUND_TIMEOUT_SECONDS + " s");
        }
        if (r >= warmupRounds) {
          long[] latencies = round.latencies();
          int m = r - warmupRounds;
          rates[m] = subscribers / (latencies[latencies.length - 1] / 1e9);
          p50s[m] = percentile(latencies, 0.50) / 1e6;
          p99s[m] = percentile(latencies, 0.99) / 1e6;
        }
      }
      return new FanoutResult(subscribers, rounds, median(rates), median(p50s), median(p99s));
    } finally {
      connections.add(publisher);
      resetAll(connections);
    }
  }

  static long percentile(long[] sorted, double fraction) {
    int index = (int) Math.ceil(fraction * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static double median(double[] values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    int n = copy.length;
    return n % 2 == 1 ? copy[n / 2] : (copy[n / 2 - 1] + copy[n / 2]) / 2;
  }

  /**
   * The outcome of an inbound run: large messages the server read, and wrote back, per second.
   *
   * @param messages messages sent and received back
   * @param payloadBytes payload size of each
   * @param seconds wall time
   */
  public record InboundResult(int messages, int payloadBytes, double seconds) {
    /** Returns the payload megabytes (10^6 bytes) read by the server per second. */
    public double megabytesPerSecond() {
      return (double) messages * payloadBytes / seconds / 1e6;
    }
  }

  /**
   * One connection subscribes to a topic of its own and publishes {@code messages} messages of
   * {@code payloadBytes} bytes to it, {@code window} in flight at most; each comes back to it. What it measures is
   * mostly the server reading and writing large frames (one 64 KiB frame is several socket reads).
   *
   * @param messages messages to publish
   * @param window messages in flight at most
   * @param payloadBytes payload characters per message (ASCII)
   * @return what happened
   * @throws Exception if the connection fails or a message does not come back within a minute
   */
  public InboundResult inbound(int messages, int window, int payloadBytes) throws Exception {
    Semaphore inFlight = new Semaphore(window);
    CompletableFuture<Void> subscribed = new CompletableFuture<>();
    AtomicInteger received = new AtomicInteger();
    String marker = "#inbound#";
    FrameListener listener = (connection, text) -> {
      if (protocol.isSubscribeAck(text)) {
        subscribed.complete(null);
      } else if (text.contains(marker)) {
        received.incrementAndGet();
        inFlight.release();
      }
    };
    ClientConnection connection = generator.connect(protocol.target(), listener).get(60, TimeUnit.SECONDS);
    try {
      connection.send(protocol.subscribeFrame("inbound"));
      subscribed.get(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      String frame = protocol.publishFrame("inbound", marker + "x".repeat(payloadBytes - marker.length()));
      long start = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        if (!inFlight.tryAcquire(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          throw new IllegalStateException("inbound: " + received.get() + " of " + i + " messages came back");
        }
        connection.send(frame);
      }
      if (!inFlight.tryAcquire(window, ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("inbound: " + received.get() + " of " + messages + " messages came back");
      }
      return new InboundResult(messages, payloadBytes, (System.nanoTime() - start) / 1e9);
    } finally {
      resetAll(List.of(connection));
    }
  }

  private static final class Subscriber {
    final int index;
    final CompletableFuture<Void> subscribed = new CompletableFuture<>();

    Subscriber(int index) {
      this.index = index;
    }
  }

  private static final class Round {
    final String marker;
    final long[] receivedAt;
    final CountDownLatch done;
    volatile long publishedAt;

    Round(String marker, int subscribers) {
      this.marker = marker;
      this.receivedAt = new long[subscribers];
      this.done = new CountDownLatch(subscribers);
    }

    void delivered(int index) {
      if (receivedAt[index] == 0) {
        receivedAt[index] = System.nanoTime();
        done.countDown();
      }
    }

    /** Latencies in nanoseconds, sorted; the latch's happens-before makes every write visible. */
    long[] latencies() {
      long[] result = new long[receivedAt.length];
      for (int i = 0; i < result.length; i++) {
        result[i] = receivedAt[i] - publishedAt;
      }
      Arrays.sort(result);
      return result;
    }
  }
}
