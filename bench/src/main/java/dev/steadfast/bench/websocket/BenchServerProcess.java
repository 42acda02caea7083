package dev.steadfast.bench.websocket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.management.ObjectName;

/**
 * The child-JVM side of the WebSocket benchmark: runs one server (the raw-Netty baseline or the Steadfast
 * service) and answers the parent on stdin/stdout, so the server's heap is measured without the load generator's
 * connections in it.
 *
 * <p>Protocol: prints {@code READY port=<p> key=value...} once listening; then for each stdin line
 * {@code stats} prints {@code STATS live_heap=<bytes after full GC> threads=<live> registry=<open connections>
 * rss=<resident bytes>};
 * {@code registry} prints {@code REGISTRY <open connections>}; {@code exit} closes the server and prints {@code BYE}.
 *
 * <pre>{@code
 * java -cp <bench classpath> dev.steadfast.bench.websocket.BenchServerProcess raw 2
 * java -cp <bench classpath> dev.steadfast.bench.websocket.BenchServerProcess steadfast-redis 2 \
 *     redis://127.0.0.1:6379 <token secret, hex> <history size>
 * }</pre>
 */
public final class BenchServerProcess {
  /** Held so the level sticks: Lettuce (JUL here, slf4j-nop is bound) logs every reconnect while Redis restarts. */
  private static final java.util.logging.Logger LETTUCE_LOG = java.util.logging.Logger.getLogger("io.lettuce");

  private BenchServerProcess() {}

  /** A server the benchmark can drive. */
  interface BenchedServer extends AutoCloseable {
    int port();

    int registrySize();

    /** Extra {@code key=value} pairs for the READY line (credentials the client needs). */
    Map<String, String> readyInfo();

    @Override
    void close() throws Exception;
  }

  /**
   * Entry point.
   *
   * @param args {@code raw|steadfast|steadfast-redis}, the number of server event-loop threads, and for
   *     {@code steadfast-redis} the Redis URI, the shared token secret in hex and the history size
   * @throws Exception if the server fails
   */
  public static void main(String[] args) throws Exception {
    LETTUCE_LOG.setLevel(java.util.logging.Level.SEVERE);
    String kind = args[0];
    int ioThreads = Integer.parseInt(args[1]);
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
    BenchedServer server = switch (kind) {
      case "raw" -> raw(RawNettyEchoServer.start(address, ioThreads));
      case "steadfast" -> SteadfastBenchServer.start(ioThreads);
      case "steadfast-redis" -> SteadfastBenchServer.startOnRedis(ioThreads, args[2],
          java.util.HexFormat.of().parseHex(args[3]), Integer.parseInt(args[4]));
      default -> throw new IllegalArgumentException("server kind must be raw, steadfast or steadfast-redis: " + kind);
    };
    StringBuilder ready = new StringBuilder("READY port=").append(server.port());
    new TreeMap<>(server.readyInfo()).forEach((k, v) -> ready.append(' ').append(k).append('=').append(v));
    System.out.println(ready);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "stats" -> System.out.println(String.format(Locale.ROOT,
            "STATS live_heap=%d threads=%d registry=%d rss=%d", liveHeapBytes(), Thread.getAllStackTraces().size(),
            server.registrySize(), residentBytes()));
        case "registry" -> System.out.println("REGISTRY " + server.registrySize());
        case "exit" -> {
          server.close();
          System.out.println("BYE");
          System.out.flush();
          return;
        }
        default -> System.out.println("ERROR unknown command: " + line);
      }
      System.out.flush();
    }
    server.close();
  }

  private static BenchedServer raw(RawNettyEchoServer raw) {
    return new BenchedServer() {
      @Override
      public int port() {
        return raw.port();
      }

      @Override
      public int registrySize() {
        return raw.openChannels();
      }

      @Override
      public Map<String, String> readyInfo() {
        return Map.of();
      }

      @Override
      public void close() {
        raw.close();
      }
    };
  }

  /**
   * Bytes of live objects: the total of a class histogram, which the JVM takes after a full collection. The
   * smallest of three readings, so garbage released by finalization between collections does not count.
   */
  static long liveHeapBytes() throws Exception {
    ObjectName diagnostics = new ObjectName("com.sun.management:type=DiagnosticCommand");
    long smallest = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(diagnostics,
          "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
      smallest = Math.min(smallest, histogramTotalBytes(histogram));
    }
    return smallest;
  }

  /**
   * The process's resident set (VmRSS of /proc/self/status): heap pages touched, direct buffers, metaspace, thread
   * stacks, malloc arenas. What peers publish as "memory per connection"; -1 where /proc is not there.
   */
  static long residentBytes() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim()) * 1024;
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // Not Linux: no resident-set figure.
    }
    return -1;
  }

  static long histogramTotalBytes(String histogram) {
    String[] lines = histogram.strip().split("\n");
    String[] total = lines[lines.length - 1].trim().split("\\s+");
    if (!"Total".equals(total[0])) {
      throw new IllegalStateException("class histogram without a Total line: " + lines[lines.length - 1]);
    }
    return Long.parseLong(total[2]);
  }
}
