package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built artifact ({@code target/steadfast-server.jar}) started as a child process the way a user starts it
 * ({@code java -jar}, with this JVM's {@code java}). Its output goes to files (no reader threads racing the exit);
 * closing it kills what is still running, so no test leaves a process behind.
 */
final class ServerProcess implements AutoCloseable {
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern READY = Pattern.compile("Steadfast server (READY|DEGRADED) on ws://[^:]+:(\\d+)/ws");
  private static final Pattern DEV_TOKEN = Pattern.compile("access_token=(\\S+)");
  private static final Pattern DEV_KEY = Pattern.compile("publish API key: (\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ServerProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts {@code java -jar steadfast-server.jar args...} with no STEADFAST_* variable but those given. */
  static ServerProcess start(Map<String, String> environment, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java().toString());
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    return start(command, environment);
  }

  /**
   * Starts the README's run command, {@code bin/steadfast-server args...}, with this JVM's {@code java} first on the
   * {@code PATH} (so the JDK 25 run tests JDK 25) and no STEADFAST_* variable but those given.
   */
  static ServerProcess startLauncher(Map<String, String> environment, String... args) throws IOException {
    Path launcher = Path.of(System.getProperty("steadfast.launcher", "../bin/steadfast-server")).toAbsolutePath();
    assertThat(Files.isExecutable(launcher)).as("the launcher %s is missing or not executable", launcher).isTrue();
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    Map<String, String> withJava = new java.util.HashMap<>(environment);
    withJava.put("PATH", java().getParent() + java.io.File.pathSeparator + System.getenv("PATH"));
    withJava.put("JAVA_OPTS", "-Xmx256m");
    return start(command, withJava);
  }

  private static ServerProcess start(List<String> command, Map<String, String> environment) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(name -> name.startsWith("STEADFAST_"));
    builder.environment().putAll(environment);
    Path outputs = Files.createDirectories(Path.of("target", "server-process"));
    Path stdout = Files.createTempFile(outputs, "stdout-", ".log");
    Path stderr = Files.createTempFile(outputs, "stderr-", ".log");
    builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
    return new ServerProcess(builder.start(), stdout, stderr);
  }

  private static Path java() {
    return Path.of(ProcessHandle.current().info().command().orElseThrow(
        () -> new AssertionError("cannot tell which java runs this test (ProcessHandle gives no command)")));
  }

  /** The jar the build made; fails saying how to make it when missing. */
  static Path jar() {
    String property = System.getProperty("steadfast.server.jar", "target/steadfast-server.jar");
    Path jar = Path.of(property).toAbsolutePath();
    assertThat(Files.isRegularFile(jar))
        .as("the executable jar %s is missing: build it with `mvn -q -Prun package -pl server -am`"
            + " (these tests run in the verify phase, after packaging)", jar)
        .isTrue();
    return jar;
  }

  /** Waits for the READY (or DEGRADED) banner and returns the port it names. */
  int awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher ready = READY.matcher(readableStdout());
      if (ready.find()) {
        // The banner is printed at once; the development block follows in the same write.
        return Integer.parseInt(ready.group(2));
      }
      if (!process.isAlive()) {
        throw new AssertionError("the service exited with " + process.exitValue() + " before it was ready:\n"
            + output());
      }
      process.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new AssertionError("the service was not ready within " + START_TIMEOUT + ":\n" + output());
  }

  /** The development token printed in the DEVELOPMENT ONLY block. */
  String developmentToken() {
    Matcher m = DEV_TOKEN.matcher(readableStdout());
    assertThat(m.find()).as("no development token in:\n%s", stdout()).isTrue();
    return m.group(1);
  }

  /** The development publish API key printed in the DEVELOPMENT ONLY block. */
  String developmentApiKey() {
    Matcher m = DEV_KEY.matcher(readableStdout());
    assertThat(m.find()).as("no publish API key in:\n%s", stdout()).isTrue();
    return m.group(1);
  }

  /** Sends SIGTERM (what {@link Process#destroy()} does on Unix), as an orchestrator stopping the service would. */
  void sigterm() {
    process.destroy();
  }

  /** Sends SIGINT, what Ctrl-C in a terminal sends to the foreground process. */
  void sigint() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -INT %s", process.pid()).isTrue();
  }

  /** @return the started process itself (for the launcher: the JVM it exec'd into, the same pid) */
  ProcessHandle handle() {
    return process.toHandle();
  }

  long pid() {
    return process.pid();
  }

  /** Waits for the exit and the end of its output; fails when it takes longer than {@code timeout}. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the service did not exit within " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  String stdout() {
    return read(stdout);
  }

  /**
   * Standard output as a person reads it: with {@code --log-format json} each line is one JSON event, whose
   * {@code formattedMessage} is taken (JSON escapes {@code /} and newlines, so the banner would not match as text).
   */
  String readableStdout() {
    StringBuilder text = new StringBuilder();
    for (String line : stdout().split("\n", -1)) {
      text.append(line.startsWith("{") ? jsonMessage(line) : line).append('\n');
    }
    return text.toString();
  }

  private static String jsonMessage(String line) {
    try {
      JsonNode message = JSON.readTree(line).get("formattedMessage");
      return message == null ? line : message.asText();
    } catch (IOException e) {
      // A line still being written when read: the next poll reads it whole.
      return line;
    }
  }

  String stderr() {
    return read(stderr);
  }

  String output() {
    return "--- stdout ---\n" + stdout() + "--- stderr ---\n" + stderr();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
