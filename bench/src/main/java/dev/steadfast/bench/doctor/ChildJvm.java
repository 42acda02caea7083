package dev.steadfast.bench.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark target: a JVM started from the benchmark's own classpath and JDK, ready once it printed {@code READY};
 * closing it kills it.
 *
 * <pre>{@code
 * try (ChildJvm target = ChildJvm.start(LeakingServiceMain.class, "1024")) {
 *     Doctor.execute(out, err, "leaks", target.pid());
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;

    private ChildJvm(Process process) {
        this.process = process;
    }

    /**
     * Starts {@code main} with one argument and a 256 MB heap, and waits for its {@code READY} line.
     *
     * @throws IllegalStateException if it ends or prints something else first
     */
    public static ChildJvm start(Class<?> main, String argument) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), main.getName(), argument)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] ready = new byte[6];
        int read = process.getInputStream().readNBytes(ready, 0, ready.length);
        if (read != ready.length || !new String(ready, StandardCharsets.UTF_8).equals("READY\n")) {
            process.destroyForcibly();
            throw new IllegalStateException(main.getSimpleName() + " did not start");
        }
        return new ChildJvm(process);
    }

    /** The process id, as the doctor and {@code jcmd} take it. */
    public String pid() {
        return Long.toString(process.pid());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
