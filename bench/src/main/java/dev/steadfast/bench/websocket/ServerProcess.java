package dev.steadfast.bench.websocket;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Parent-side handle of a {@link BenchServerProcess} running in a child JVM.
 *
 * <pre>{@code
 * try (ServerProcess server = ServerProcess.launch("raw", 2, "-Xmx1g")) {
 *   ServerProcess.Stats stats = server.stats();
 * }
 * }</pre>
 */
public final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final Map<String, String> ready;

  private ServerProcess(Process process, BufferedReader out, Writer in, Map<String, String> ready) {
    this.process = process;
    this.out = out;
    this.in = in;
    this.ready = ready;
  }

  /** What the child reports about the server. */
  public record Stats(long liveHeapBytes, int threads, int registry, long residentBytes) {}

  /**
   * Starts a child JVM with this JVM's class path and waits until its server listens.
   *
   * @param kind {@code raw}, {@code steadfast} or {@code steadfast-redis}
   * @param ioThreads server event-loop threads
   * @param heap the child's {@code -Xmx} value, e.g. {@code 1g}
   * @param kindArgs what the kind needs besides (see {@link BenchServerProcess#main})
   * @return the handle
   * @throws IOException if the child cannot start or dies before it is ready
   */
  public static ServerProcess launch(String kind, int ioThreads, String heap, String... kindArgs)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-opens");
    command.add("java.base/java.lang=ALL-UNNAMED");
    command.add("-Xmx" + heap);
    command.add("-Xms" + heap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchServerProcess.class.getName());
    command.add(kind);
    command.add(Integer.toString(ioThreads));
    command.addAll(List.of(kindArgs));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    String line = out.readLine();
    if (line == null || !line.startsWith("READY ")) {
      process.destroyForcibly();
      throw new IOException("benchmark server '" + kind + "' did not start; first line: " + line);
    }
    return new ServerProcess(process, out, in, parse(line));
  }

  private static Map<String, String> parse(String line) {
    Map<String, String> values = new HashMap<>();
    for (String part : line.split(" ")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        values.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return values;
  }

  /** Returns the port the child's server listens on (loopback). */
  public int port() {
    return Integer.parseInt(ready.get("port"));
  }

  /**
   * Returns a value from the child's READY line (e.g. {@code token}).
   *
   * @param key the key
   * @return the value, or null
   */
  public String info(String key) {
    return ready.get(key);
  }

  /**
   * Asks the child for live heap (after full GC), live threads and open connections.
   *
   * @return the child's answer
   * @throws IOException if the child died
   */
  public Stats stats() throws IOException {
    in.write("stats\n");
    in.flush();
    String line = out.readLine();
    if (line == null || !line.startsWith("STATS ")) {
      throw new IOException("benchmark server answered '" + line + "' to stats");
    }
    Map<String, String> values = parse(line);
    return new Stats(Long.parseLong(values.get("live_heap")), Integer.parseInt(values.get("threads")),
        Integer.parseInt(values.get("registry")), Long.parseLong(values.get("rss")));
  }

  /**
   * Asks the child how many connections its server holds (cheap: no collection).
   *
   * @return the registry size
   * @throws IOException if the child died
   */
  public int registry() throws IOException {
    in.write("registry\n");
    in.flush();
    String line = out.readLine();
    if (line == null || !line.startsWith("REGISTRY ")) {
      throw new IOException("benchmark server answered '" + line + "' to registry");
    }
    return Integer.parseInt(line.substring("REGISTRY ".length()).trim());
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      in.write("exit\n");
      in.flush();
      out.readLine();
    } catch (IOException e) {
      // The child is gone already; waitFor below reaps it.
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
