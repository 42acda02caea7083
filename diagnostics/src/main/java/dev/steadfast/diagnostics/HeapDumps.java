package dev.steadfast.diagnostics;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.management.MBeanServerConnection;

/**
 * Writes heap dumps of this JVM in HPROF format (readable by Eclipse MAT, VisualVM, Shark).
 *
 * <pre>{@code
 * Path dump = HeapDumps.dumpLive(Path.of("target/leak-suspect.hprof"));
 * log.warn("heap dump written to {}", dump);
 * }</pre>
 *
 * <p>A live dump forces a full garbage collection first, so it holds only reachable objects, and pauses the JVM for
 * the time it takes to write the heap: call it on purpose, not on a hot path.
 */
public final class HeapDumps {

    /** File name suffix the JVM requires for heap dumps. */
    public static final String SUFFIX = ".hprof";

    private HeapDumps() {
    }

    /**
     * Dumps only live (reachable) objects to a new file, creating missing parent directories.
     *
     * @param file where to write; must end with {@value #SUFFIX} and must not exist yet
     * @return the absolute path of the written file
     * @throws IllegalArgumentException      if the name does not end with {@value #SUFFIX} or the file already exists
     * @throws UnsupportedOperationException if this JVM has no {@code HotSpotDiagnosticMXBean} (not a HotSpot-based
     *                                       JVM, or the {@code jdk.management} module is absent)
     * @throws UncheckedIOException          if the file cannot be written
     */
    public static Path dumpLive(Path file) {
        Objects.requireNonNull(file, "file");
        Path target = checkedTarget(file);
        HotSpotDiagnosticMXBean hotSpot = hotSpotDiagnostics();
        try {
            Path parent = target.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            hotSpot.dumpHeap(target.toString(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write heap dump to " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    /**
     * Makes the JVM behind a JMX connection dump its live objects, as {@link #dumpLive(Path)} does for this one. That
     * JVM writes the file, so the path is as that process sees it (same machine: the same path) and its user must be
     * able to write there.
     *
     * <pre>{@code
     * Path dump = HeapDumps.dumpLive(connector.getMBeanServerConnection(), Path.of("/tmp/service.hprof"));
     * }</pre>
     *
     * @param connection a connection to a HotSpot JVM's MBean server; not null
     * @param file where to write; must end with {@value #SUFFIX} and must not exist yet; its directory must exist
     * @return the absolute path of the written file
     * @throws IllegalArgumentException      if the name does not end with {@value #SUFFIX} or the file already exists
     * @throws UnsupportedOperationException if that JVM has no {@code HotSpotDiagnosticMXBean}
     * @throws IOException                   if the connection fails or that JVM cannot write the file
     */
    public static Path dumpLive(MBeanServerConnection connection, Path file) throws IOException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(file, "file");
        Path target = checkedTarget(file);
        HotSpotDiagnosticMXBean hotSpot;
        try {
            hotSpot = ManagementFactory.newPlatformMXBeanProxy(connection,
                    "com.sun.management:type=HotSpotDiagnostic", HotSpotDiagnosticMXBean.class);
        } catch (IllegalArgumentException e) {
            throw unsupported(e);
        }
        hotSpot.dumpHeap(target.toString(), true);
        return target;
    }

    private static Path checkedTarget(Path file) {
        Path target = file.toAbsolutePath();
        if (!target.getFileName().toString().endsWith(SUFFIX)) {
            throw new IllegalArgumentException("heap dump file name must end with " + SUFFIX + ": " + file);
        }
        if (Files.exists(target)) {
            throw new IllegalArgumentException("heap dump file already exists (the JVM never overwrites one): " + file);
        }
        return target;
    }

    private static HotSpotDiagnosticMXBean hotSpotDiagnostics() {
        try {
            HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (bean != null) {
                return bean;
            }
        } catch (IllegalArgumentException | LinkageError e) {
            throw unsupported(e);
        }
        throw unsupported(null);
    }

    private static UnsupportedOperationException unsupported(Throwable cause) {
        UnsupportedOperationException e = new UnsupportedOperationException("heap dumps need com.sun.management."
                + "HotSpotDiagnosticMXBean, which this JVM (" + System.getProperty("java.vm.name")
                + ") does not provide; run on a HotSpot-based JDK with the jdk.management module");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
