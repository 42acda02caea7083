package dev.steadfast.bench.leak;

import dev.steadfast.diagnostics.HeapDumps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import shark.CloseableHeapGraph;
import shark.HeapObject;
import shark.HprofHeapGraph;
import shark.HprofIndex;

/**
 * The approach a user would take without {@code @NoHeapGrowth}: dump the live heap before and after running the
 * operation, count instances (and arrays) per class in each dump with Shark, and report the classes whose count grew
 * by at least one per iteration (what LeakCanary's JVM heap-growth detection does, with one pair of dumps).
 *
 * <pre>{@code
 * HeapDumpDiff.Result result = HeapDumpDiff.measure(200, 1_000, i -> cache.put(i, new Entry()));
 * }</pre>
 */
public final class HeapDumpDiff {

    private HeapDumpDiff() {
    }

    /**
     * One heap-dump diff.
     *
     * @param growingClasses classes whose instance count grew by at least {@code iterations}, with the growth
     * @param elapsedMillis  wall time: warm-up, both dumps, the iterations and both analyses
     */
    public record Result(Map<String, Long> growingClasses, long elapsedMillis) {
    }

    /**
     * Runs {@code body} {@code warmup} times, dumps, runs it {@code iterations} more times, dumps again and diffs.
     *
     * @return the classes that grew by at least one instance per iteration
     * @throws IOException if a dump cannot be written or read
     */
    public static Result measure(int warmup, int iterations, IntConsumer body) throws IOException {
        long start = System.nanoTime();
        Path directory = Files.createTempDirectory("steadfast-heapdump-diff");
        try {
            int iteration = 0;
            while (iteration < warmup) {
                body.accept(iteration++);
            }
            Path before = HeapDumps.dumpLive(directory.resolve("before" + HeapDumps.SUFFIX));
            while (iteration < warmup + iterations) {
                body.accept(iteration++);
            }
            Path after = HeapDumps.dumpLive(directory.resolve("after" + HeapDumps.SUFFIX));
            Map<String, Long> countsBefore = instanceCounts(before);
            Map<String, Long> countsAfter = instanceCounts(after);
            Map<String, Long> growing = new HashMap<>();
            countsAfter.forEach((type, count) -> {
                long growth = count - countsBefore.getOrDefault(type, 0L);
                if (growth >= iterations) {
                    growing.put(type, growth);
                }
            });
            return new Result(growing, (System.nanoTime() - start) / 1_000_000);
        } finally {
            deleteAll(directory);
        }
    }

    /**
     * Instances and arrays per class in one heap dump, read with Shark: what a user compares between two dumps.
     *
     * @throws IOException if the dump cannot be read
     */
    public static Map<String, Long> instanceCounts(Path dump) throws IOException {
        Map<Long, Long> countsByClassId = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        try (CloseableHeapGraph graph = HprofHeapGraph.Companion.openHeapGraph(dump.toFile(), null,
                HprofIndex.Companion.defaultIndexedGcRootTags())) {
            for (Iterator<HeapObject.HeapInstance> it = graph.getInstances().iterator(); it.hasNext(); ) {
                countsByClassId.merge(it.next().getInstanceClassId(), 1L, Long::sum);
            }
            countsByClassId.forEach((classId, count) -> {
                HeapObject.HeapClass type = graph.findObjectById(classId).getAsClass();
                counts.merge(type == null ? "class@" + classId : type.getName(), count, Long::sum);
            });
            // Arrays are not instances in Shark's graph; a leak of arrays must count too.
            for (Iterator<HeapObject.HeapObjectArray> it = graph.getObjectArrays().iterator(); it.hasNext(); ) {
                counts.merge(it.next().getArrayClassName(), 1L, Long::sum);
            }
            for (Iterator<HeapObject.HeapPrimitiveArray> it = graph.getPrimitiveArrays().iterator(); it.hasNext(); ) {
                counts.merge(it.next().getArrayClassName(), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static void deleteAll(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (var listing = Files.list(directory)) {
            listing.forEach(files::add);
        }
        for (Path file : files) {
            Files.deleteIfExists(file);
        }
        Files.deleteIfExists(directory);
    }
}
