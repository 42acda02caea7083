package dev.steadfast.websocket.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real {@code redis-server} on a free loopback port for one test class, in its own temporary directory,
 * waits until it answers PING, and stops it afterwards; a test can {@link #kill()} it and {@link #start()} it again
 * on the same port (empty, or with its data when made {@link #durable()}). Fails (never skips) when redis-server is
 * not installed.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServer REDIS = RedisServer.ephemeral();
 * }</pre>
 */
public final class RedisServer implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    static final String INSTALL_HINT = "redis-server not found on the PATH; the Redis tests run a real server:"
            + " install it: apt-get install -y redis-server";

    private final boolean durable;
    private int port;
    private Path directory;
    private Process process;

    private RedisServer(boolean durable) {
        this.durable = durable;
    }

    /** Keeps nothing: a restart comes back empty (a new epoch for every topic). */
    public static RedisServer ephemeral() {
        return new RedisServer(false);
    }

    /** Append-only file fsynced on every write: what Redis acknowledged survives {@link #kill()}. */
    public static RedisServer durable() {
        return new RedisServer(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        directory = Files.createTempDirectory("steadfast-redis-");
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        start();
    }

    /** A test that failed while the server was killed must not take the next tests down with it. */
    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!process.isAlive()) {
            start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        kill();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server (again) on the same port and directory and waits until it answers PING. */
    public void start() throws IOException {
        assertThat(process == null || !process.isAlive()).as("redis-server already running").isTrue();
        List<String> command = new ArrayList<>(List.of(executable(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", directory.toString(), "--save", "", "--daemonize", "no",
                "--enable-debug-command", "local", "--logfile", directory.resolve("redis.log").toString()));
        if (durable) {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            command.addAll(List.of("--appendonly", "no"));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("redis.out").toFile()).start();
        Awaitility.await("redis-server on port " + port + " to answer PING").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .pollInSameThread()
                .until(() -> {
                    if (!process.isAlive()) {
                        fail("redis-server exited with " + process.exitValue() + ": " + log());
                    }
                    try {
                        return "PONG".equals(RespClient.call(port, 500, "PING"));
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** SIGKILL: no shutdown, no final save; waits until the process is gone. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("redis-server killed").isTrue();
        }
    }

    /** One command against the server, for the tests' own checks. */
    public Object call(String... command) throws IOException {
        return RespClient.call(port, 5_000, command);
    }

    /** Whether the server answers PING within {@code millis} (false while it runs DEBUG SLEEP, or is down). */
    public boolean answersWithin(int millis) {
        try {
            return "PONG".equals(RespClient.call(port, millis, "PING"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Channels this Redis has at least one subscriber for. */
    @SuppressWarnings("unchecked")
    public List<String> channels() throws IOException {
        return (List<String>) call("PUBSUB", "CHANNELS");
    }

    private String log() throws IOException {
        Path out = directory.resolve("redis.out");
        Path log = directory.resolve("redis.log");
        return (Files.exists(out) ? Files.readString(out) : "") + (Files.exists(log) ? Files.readString(log) : "");
    }

    private static String executable() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError(INSTALL_HINT);
    }
}
