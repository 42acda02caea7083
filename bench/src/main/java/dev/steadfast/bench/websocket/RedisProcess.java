package dev.steadfast.bench.websocket;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} for the cluster benchmark: a free loopback port, its own temporary directory, an
 * append-only file fsynced on every write (what Redis acknowledged survives {@link #kill()}), started again on the
 * same port and data by {@link #start()}.
 *
 * <pre>{@code
 * try (RedisProcess redis = RedisProcess.create()) {
 *   redis.start();
 *   String uri = redis.uri();
 * }
 * }</pre>
 */
public final class RedisProcess implements AutoCloseable {
  private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Path directory;
  private final int port;
  private Process process;

  private RedisProcess(Path directory, int port) {
    this.directory = directory;
    this.port = port;
  }

  /**
   * Picks a free port and a temporary directory; starts nothing yet.
   *
   * @return the handle
   * @throws IOException if no directory or port can be had
   */
  public static RedisProcess create() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return new RedisProcess(Files.createTempDirectory("steadfast-bench-redis-"), probe.getLocalPort());
    }
  }

  /** Returns {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Starts the server and waits until it answers PING.
   *
   * @throws IOException if redis-server is missing, exits, or does not answer within 10 s
   * @throws InterruptedException if interrupted while waiting
   */
  public void start() throws IOException, InterruptedException {
    process = new ProcessBuilder(executable(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--dir", directory.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
        "--daemonize", "no", "--logfile", directory.resolve("redis.log").toString())
        .redirectErrorStream(true).redirectOutput(directory.resolve("redis.out").toFile()).start();
    long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
    while (!answersPing()) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + "; see " + directory);
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("redis-server on port " + port + " did not answer PING within 10 s");
      }
      Thread.sleep(10);
    }
  }

  /**
   * {@code CONFIG SET name value}.
   *
   * @throws IOException if Redis does not answer {@code +OK}
   */
  public void configSet(String name, String value) throws IOException {
    String answer = command("CONFIG", "SET", name, value);
    if (!answer.startsWith("+OK")) {
      throw new IOException("CONFIG SET " + name + " " + value + " answered " + answer);
    }
  }

  /**
   * SIGKILL: no shutdown, no final save.
   *
   * @throws InterruptedException if interrupted while waiting for the process to go
   */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    kill();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  private boolean answersPing() {
    try {
      return command("PING").equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  /** One command in RESP; the first line of the answer. */
  private String command(String... words) throws IOException {
    StringBuilder request = new StringBuilder("*").append(words.length).append("\r\n");
    for (String word : words) {
      request.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(word)
          .append("\r\n");
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder answer = new StringBuilder();
      int b;
      while ((b = in.read()) >= 0 && b != '\r') {
        answer.append((char) b);
      }
      return answer.toString();
    }
  }

  private static String executable() throws IOException {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "redis-server"))) {
        return Path.of(dir, "redis-server").toString();
      }
    }
    for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, "redis-server"))) {
        return Path.of(dir, "redis-server").toString();
      }
    }
    throw new IOException("redis-server not found on the PATH; the cluster benchmark runs a real one:"
        + " apt-get install -y redis-server");
  }
}
