package dev.steadfast.leak;

import dev.steadfast.diagnostics.HeapDumps;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import shark.CloseableHeapGraph;
import shark.HeapAnalysis;
import shark.HeapAnalysisFailure;
import shark.HeapAnalysisSuccess;
import shark.HeapAnalyzer;
import shark.HeapField;
import shark.HeapGraph;
import shark.HeapObject;
import shark.HprofHeapGraph;
import shark.HprofIndex;
import shark.IgnoredReferenceMatcher;
import shark.Leak;
import shark.LeakTrace;
import shark.LeakTraceObject;
import shark.LeakTraceReference;
import shark.MetadataExtractor;
import shark.ObjectInspector;
import shark.ObjectInspectors;
import shark.OnAnalysisProgressListener;
import shark.ReferenceMatcher;
import shark.ReferencePattern;

/**
 * Computes {@link RetentionPath}s for watched objects from a live heap dump, using Shark to parse the dump and find
 * the shortest strong path from a GC root, then names each hop the way a developer fixes it.
 */
final class RetentionPaths {

    /** Weak, soft, phantom and finalizer references do not retain: never walk {@code Reference.referent}. */
    private static final List<ReferenceMatcher> NOT_STRONG = List.of(
            new IgnoredReferenceMatcher(new ReferencePattern.InstanceFieldPattern("java.lang.ref.Reference", "referent")),
            new IgnoredReferenceMatcher(new ReferencePattern.InstanceFieldPattern("java.lang.ref.Finalizer", "next")),
            new IgnoredReferenceMatcher(new ReferencePattern.InstanceFieldPattern("java.lang.ref.Finalizer", "prev")));

    private static final List<ObjectInspector> INSPECTORS = List.of(ObjectInspectors.THREAD);
    private static final String THREAD_NAME_LABEL = "Thread name: '";

    private RetentionPaths() {
    }

    /**
     * @param dump a live heap dump taken while the watched references were held
     * @param keys keys of the {@link WatchedReference}s to explain
     * @return the path per key, for keys whose object is in the dump and reachable
     */
    static Map<String, RetentionPath> compute(Path dump, Set<String> keys) throws IOException {
        Map<String, RetentionPath> paths = new HashMap<>();
        File file = dump.toFile();
        try (CloseableHeapGraph graph = HprofHeapGraph.Companion.openHeapGraph(file, null,
                HprofIndex.Companion.defaultIndexedGcRootTags())) {
            Map<String, Long> objectIds = watchedObjectIds(graph, keys);
            HeapAnalyzer analyzer = new HeapAnalyzer(OnAnalysisProgressListener.Companion.getNO_OP());
            for (Map.Entry<String, Long> watched : objectIds.entrySet()) {
                long objectId = watched.getValue();
                // One analysis per object: Shark drops a path that passes through another leaking object, but each
                // watched object deserves its own.
                HeapAnalysis analysis = analyzer.analyze(file, graph, heapGraph -> Set.of(objectId), NOT_STRONG,
                        false, INSPECTORS, MetadataExtractor.Companion.getNO_OP());
                if (analysis instanceof HeapAnalysisFailure) {
                    throw new IOException("Shark could not analyze " + dump,
                            ((HeapAnalysisFailure) analysis).getException());
                }
                firstTrace((HeapAnalysisSuccess) analysis)
                        .ifPresent(trace -> paths.put(watched.getKey(), toPath(trace)));
            }
        }
        return paths;
    }

    static Path dump(Path directory, String scopeName) {
        String safe = scopeName.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 60) {
            safe = safe.substring(0, 60);
        }
        return HeapDumps.dumpLive(directory.resolve("steadfast-leak-" + safe + "-" + System.nanoTime()
                + HeapDumps.SUFFIX));
    }

    private static Map<String, Long> watchedObjectIds(HeapGraph graph, Set<String> keys) {
        Map<String, Long> ids = new HashMap<>();
        HeapObject.HeapClass watchedClass = graph.findClassByName(WatchedReference.class.getName());
        if (watchedClass == null) {
            return ids;
        }
        for (Iterator<HeapObject.HeapInstance> it = watchedClass.getInstances().iterator(); it.hasNext(); ) {
            HeapObject.HeapInstance reference = it.next();
            HeapField key = reference.get(WatchedReference.class.getName(), "key");
            HeapField referent = reference.get("java.lang.ref.Reference", "referent");
            if (key == null || referent == null) {
                continue;
            }
            String keyText = key.getValue().readAsJavaString();
            Long objectId = referent.getValue().getAsNonNullObjectId();
            if (keyText != null && objectId != null && keys.contains(keyText)) {
                ids.put(keyText, objectId);
            }
        }
        return ids;
    }

    private static java.util.Optional<LeakTrace> firstTrace(HeapAnalysisSuccess success) {
        for (Iterator<Leak> it = success.getAllLeaks().iterator(); it.hasNext(); ) {
            List<LeakTrace> traces = it.next().getLeakTraces();
            if (!traces.isEmpty()) {
                return java.util.Optional.of(traces.get(0));
            }
        }
        return java.util.Optional.empty();
    }

    /** Converts Shark's trace to named hops; visible for tests through {@link #compute}. */
    static RetentionPath toPath(LeakTrace trace) {
        List<LeakTraceReference> references = trace.getReferencePath();
        String root = describeRoot(trace);
        int start = 0;
        // Classes stay reachable as long as their loader: the chain from a root to a class is noise, the static field
        // is what a developer changes. Start at the last static field on the path.
        for (int i = references.size() - 1; i >= 0; i--) {
            if (references.get(i).getReferenceType() == LeakTraceReference.ReferenceType.STATIC_FIELD) {
                start = i;
                root = "class " + references.get(i).getOriginObject().getClassName();
                break;
            }
        }
        List<RetentionPath.Hop> hops = new ArrayList<>();
        for (int i = start; i < references.size(); i++) {
            LeakTraceReference reference = references.get(i);
            String target = i + 1 < references.size() ? references.get(i + 1).getOriginObject().getClassName()
                    : trace.getLeakingObject().getClassName();
            int threadLocalEnd = threadLocalValueEnd(references, i);
            if (threadLocalEnd > i) {
                String endTarget = threadLocalEnd + 1 < references.size()
                        ? references.get(threadLocalEnd + 1).getOriginObject().getClassName()
                        : trace.getLeakingObject().getClassName();
                hops.add(new RetentionPath.Hop(RetentionPath.Kind.THREAD_LOCAL_VALUE,
                        "thread \"" + threadName(reference.getOriginObject()) + "\" ThreadLocal value", endTarget));
                i = threadLocalEnd;
                continue;
            }
            hops.add(hop(reference, target));
        }
        return new RetentionPath(root, hops);
    }

    /**
     * Recognizes {@code Thread.threadLocals -> ThreadLocalMap.table -> Entry[i] -> Entry.value} starting at
     * {@code index}.
     *
     * @return the index of the {@code value} reference, or -1
     */
    private static int threadLocalValueEnd(List<LeakTraceReference> references, int index) {
        LeakTraceReference first = references.get(index);
        if (first.getReferenceType() != LeakTraceReference.ReferenceType.INSTANCE_FIELD
                || !(first.getReferenceName().equals("threadLocals")
                || first.getReferenceName().equals("inheritableThreadLocals"))
                || !first.getOriginObject().getClassName().equals("java.lang.Thread")
                && !first.getOwningClassName().equals("java.lang.Thread")) {
            return -1;
        }
        for (int i = index + 1; i < references.size() && i <= index + 3; i++) {
            LeakTraceReference next = references.get(i);
            if (next.getReferenceType() == LeakTraceReference.ReferenceType.INSTANCE_FIELD
                    && next.getReferenceName().equals("value")
                    && next.getOriginObject().getClassName().startsWith("java.lang.ThreadLocal$ThreadLocalMap$Entry")) {
                return i;
            }
        }
        return -1;
    }

    private static RetentionPath.Hop hop(LeakTraceReference reference, String target) {
        LeakTraceObject origin = reference.getOriginObject();
        String name = reference.getReferenceName();
        switch (reference.getReferenceType()) {
            case STATIC_FIELD:
                return new RetentionPath.Hop(RetentionPath.Kind.STATIC_FIELD,
                        "static " + origin.getClassName() + "." + name, target);
            case INSTANCE_FIELD:
                return new RetentionPath.Hop(RetentionPath.Kind.INSTANCE_FIELD,
                        reference.getOwningClassName() + "." + name, target);
            case ARRAY_ENTRY:
                return new RetentionPath.Hop(RetentionPath.Kind.ARRAY_ELEMENT, arrayEntryName(origin, name), target);
            case LOCAL:
                return new RetentionPath.Hop(RetentionPath.Kind.LOCAL_VARIABLE,
                        "local variable in thread \"" + threadName(origin) + "\"", target);
            default:
                return new RetentionPath.Hop(RetentionPath.Kind.OTHER, origin.getClassName() + "." + name, target);
        }
    }

    /**
     * Shark reads JDK collections "virtually" (an ArrayList's slot 3 is one hop instead of two); name them after the
     * field a developer sees in a debugger.
     */
    private static String arrayEntryName(LeakTraceObject origin, String index) {
        String type = origin.getClassName();
        switch (type) {
            case "java.util.ArrayList":
            case "java.util.Vector":
                return type + ".elementData[" + index + "]";
            case "java.util.concurrent.CopyOnWriteArrayList":
                return type + ".array[" + index + "]";
            default:
                return type.endsWith("[]") ? type.substring(0, type.length() - 2) + "[" + index + "]"
                        : type + "[" + index + "]";
        }
    }

    private static String describeRoot(LeakTrace trace) {
        List<LeakTraceReference> references = trace.getReferencePath();
        LeakTraceObject first = references.isEmpty() ? trace.getLeakingObject() : references.get(0).getOriginObject();
        switch (trace.getGcRootType()) {
            case JAVA_FRAME:
                return "stack of thread \"" + threadName(first) + "\"";
            case THREAD_OBJECT:
                return "thread \"" + threadName(first) + "\"";
            case STICKY_CLASS:
                return "class " + first.getClassName();
            default:
                return trace.getGcRootType().getDescription() + " " + first.getClassName();
        }
    }

    private static String threadName(LeakTraceObject object) {
        for (String label : object.getLabels()) {
            if (label.startsWith(THREAD_NAME_LABEL) && label.endsWith("'")) {
                return label.substring(THREAD_NAME_LABEL.length(), label.length() - 1);
            }
        }
        return "?";
    }
}
