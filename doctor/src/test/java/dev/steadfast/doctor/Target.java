package dev.steadfast.doctor;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fixture main running in its own JVM, a child of the test JVM (same JDK, same user), started in a fresh working
 * directory with its output in files; ready once it printed READY. Closing it kills it.
 *
 * <pre>{@code
 * try (Target target = Target.start(MonitorDeadlockMain.class)) {
 *     DoctorRun run = DoctorRun.of("hang", target.pid());
 * }
 * }</pre>
 */
final class Target implements AutoCloseable {

    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path directory;
    private final Path stdout;

    private Target(Process process, Path directory, Path stdout) {
        this.process = process;
        this.directory = directory;
        this.stdout = stdout;
    }

    static Target start(Class<?> main, String... args) {
        return start(List.of(), main, args);
    }

    static Target start(List<String> jvmOptions, Class<?> main, String... args) {
        try {
            Path directory = Files.createTempDirectory("doctor-target-");
            Path stdout = directory.resolve("stdout.txt");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElseThrow());
            command.add("-Xmx128m");
            command.add("-XX:+UseSerialGC");
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(main.getName());
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectOutput(stdout.toFile()).redirectError(directory.resolve("stderr.txt").toFile()).start();
            Target target = new Target(process, directory, stdout);
            try {
                await().atMost(READY_TIMEOUT).failFast("the target exited: " + target.output(),
                        () -> !process.isAlive()).until(() -> Files.readString(stdout).contains("READY"));
            } catch (RuntimeException | Error e) {
                // Nobody holds the target yet to close it: a slow start must not leave a JVM running after the suite.
                process.destroyForcibly();
                throw e;
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    String pidText() {
        return Long.toString(process.pid());
    }

    Path directory() {
        return directory;
    }

    Process process() {
        return process;
    }

    String output() {
        try {
            return Files.readString(stdout) + Files.readString(directory.resolve("stderr.txt"));
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
