package dev.steadfast.leak;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A watched object still strongly reachable after a forced garbage collection, with the path that holds it.
 *
 * <pre>{@code
 * for (RetainedObject leak : report.retained()) {
 *     System.out.println(leak.description() + " is held by " + leak.retentionPath().map(Object::toString).orElse("?"));
 * }
 * }</pre>
 *
 * @param description   what was passed to {@link LeakWatcher#watch}
 * @param type          the object's class name
 * @param retentionPath the shortest strong path from a GC root, when it was computed (see
 *                      {@link LeakDetector.Builder#retentionPaths(boolean)}; why it is missing is in the warnings)
 * @param heapDump      the heap dump the path was computed from, when it was kept
 *                      ({@link LeakDetector.Builder#keepHeapDumps(Path)})
 */
public record RetainedObject(String description, String type, Optional<RetentionPath> retentionPath,
                             Optional<Path> heapDump) {

    /** Validates the components. */
    public RetainedObject {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(retentionPath, "retentionPath");
        Objects.requireNonNull(heapDump, "heapDump");
    }

    /** The readable block used in {@link LeakReport#toString()}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        out.append('"').append(description).append("\" (").append(type).append(")\n");
        retentionPath.ifPresent(path -> {
            out.append("  held by:\n");
            for (String line : path.toString().split("\n")) {
                out.append("    ").append(line).append('\n');
            }
        });
        heapDump.ifPresent(file -> out.append("  heap dump: ").append(file).append('\n'));
        return out.toString();
    }
}
