package dev.steadfast.leak;

import dev.steadfast.diagnostics.HeapDumps;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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

    private static final String KEY_LABEL = "steadfast watched key ";
    private static final String THREAD_NAME_LABEL = "Thread name: '";

    private RetentionPaths() {
    }

    /**
     * @param dump a live heap dump taken while the watched references were held
     * @param keys keys of the {@link WatchedReference}s to explain
     * @return the path per key, for keys whose object is strongly reachable in the dump; keys whose object is in the
     *         dump without a strong path are listed as {@link Result#notStronglyReachable()}
     */
    static Result compute(Path dump, Set<String> keys) throws IOException {
        Map<String, RetentionPath> paths = new HashMap<>();
        Set<String> inDump;
        File file = dump.toFile();
        try (CloseableHeapGraph graph = HprofHeapGraph.Companion.openHeapGraph(file, null,
                HprofIndex.Companion.defaultIndexedGcRootTags())) {
            Map<String, Long> objectIds = watchedObjectIds(graph, keys);
            inDump = objectIds.keySet();
            Map<Long, String> keyById = new HashMap<>();
            objectIds.forEach((key, id) -> keyById.put(id, key));
            List<ObjectInspector> inspectors = List.of(ObjectInspectors.THREAD, reporter -> {
                String key = keyById.get(reporter.getHeapObject().getObjectId());
                if (key != null) {
                    reporter.getLabels().add(KEY_LABEL + key);
                }
            });
            HeapAnalyzer analyzer = new HeapAnalyzer(OnAnalysisProgressListener.Companion.getNO_OP());
            // One pass finds the paths of all watched objects at once ...
            collect(analyze(analyzer, file, graph, Set.copyOf(objectIds.values()), inspectors), paths);
            // ... except that Shark drops a path running through another watched object; those get their own pass.
            for (Map.Entry<String, Long> watched : objectIds.entrySet()) {
                if (!paths.containsKey(watched.getKey())) {
                    collect(analyze(analyzer, file, graph, Set.of(watched.getValue()), inspectors), paths);
                }
            }
        }
        Set<String> notStrong = new HashSet<>(inDump);
        notStrong.removeAll(paths.keySet());
        return new Result(Map.copyOf(paths), Set.copyOf(notStrong));
    }

    /**
     * Where instances of each class are held, for {@link ClassRetention#find}: samples up to {@code perClass}
     * instances spread over all of a class's instances and keeps the path that most of them share (Shark groups
     * paths that differ only in array indexes). One analysis pass per class, since Shark drops a path running
     * through another object it is asked about.
     */
    static List<ClassRetention> ofClasses(Path dump, List<String> classNames, int perClass) throws IOException {
        List<ClassRetention> found = new ArrayList<>(classNames.size());
        File file = dump.toFile();
        try (CloseableHeapGraph graph = HprofHeapGraph.Companion.openHeapGraph(file, null,
                HprofIndex.Companion.defaultIndexedGcRootTags())) {
            HeapAnalyzer analyzer = new HeapAnalyzer(OnAnalysisProgressListener.Companion.getNO_OP());
            for (String className : classNames) {
                HeapObject.HeapClass heapClass = graph.findClassByName(className);
                if (heapClass == null) {
                    continue;
                }
                Set<Long> ids = sampleInstances(heapClass, perClass);
                if (ids.isEmpty()) {
                    continue;
                }
                HeapAnalysisSuccess analysis = analyze(analyzer, file, graph, ids, List.of(ObjectInspectors.THREAD));
                LeakTrace best = null;
                int bestCount = 0;
                for (Iterator<Leak> it = analysis.getAllLeaks().iterator(); it.hasNext(); ) {
                    List<LeakTrace> traces = it.next().getLeakTraces();
                    if (traces.size() > bestCount) {
                        bestCount = traces.size();
                        best = traces.get(0);
                    }
                }
                if (best != null) {
                    found.add(new ClassRetention(className, toPath(best), bestCount, ids.size()));
                }
            }
        }
        return found;
    }

    private static Set<Long> sampleInstances(HeapObject.HeapClass heapClass, int perClass) {
        List<kotlin.sequences.Sequence<? extends HeapObject>> kinds = List.of(heapClass.getDirectInstances(),
                heapClass.getObjectArrayInstances(), heapClass.getPrimitiveArrayInstances());
        long total = 0;
        for (kotlin.sequences.Sequence<? extends HeapObject> kind : kinds) {
            for (Iterator<? extends HeapObject> it = kind.iterator(); it.hasNext(); it.next()) {
                total++;
            }
        }
        long stride = Math.max(1, total / Math.max(1, perClass));
        Set<Long> ids = new HashSet<>();
        long index = 0;
        for (kotlin.sequences.Sequence<? extends HeapObject> kind : kinds) {
            for (Iterator<? extends HeapObject> it = kind.iterator(); it.hasNext() && ids.size() < perClass; index++) {
                HeapObject object = it.next();
                if (index % stride == 0) {
                    ids.add(object.getObjectId());
                }
            }
        }
        return ids;
    }

    /**
     * @param paths                per watched key, the shortest strong path from a GC root
     * @param notStronglyReachable keys whose object is in the dump with no strong path: held only by soft, weak or
     *                             phantom references (a memory-sensitive cache), or awaiting finalization
     */
    record Result(Map<String, RetentionPath> paths, Set<String> notStronglyReachable) {
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

    private static HeapAnalysisSuccess analyze(HeapAnalyzer analyzer, File file, HeapGraph graph, Set<Long> ids,
                                               List<ObjectInspector> inspectors) throws IOException {
        HeapAnalysis analysis = analyzer.analyze(file, graph, heapGraph -> ids, NOT_STRONG, false, inspectors,
                MetadataExtractor.Companion.getNO_OP());
        if (analysis instanceof HeapAnalysisFailure) {
            throw new IOException("Shark could not analyze " + file, ((HeapAnalysisFailure) analysis).getException());
        }
        return (HeapAnalysisSuccess) analysis;
    }

    private static void collect(HeapAnalysisSuccess analysis, Map<String, RetentionPath> paths) {
        for (Iterator<Leak> it = analysis.getAllLeaks().iterator(); it.hasNext(); ) {
            for (LeakTrace trace : it.next().getLeakTraces()) {
                for (String label : trace.getLeakingObject().getLabels()) {
                    if (label.startsWith(KEY_LABEL)) {
                        paths.putIfAbsent(label.substring(KEY_LABEL.length()), toPath(trace));
                    }
                }
            }
        }
    }

    /** Converts Shark's trace to named hops. */
    static RetentionPath toPath(LeakTrace trace) {
        List<LeakTraceReference> references = trace.getReferencePath();
        String root = describeRoot(trace);
        int start = 0;
        // Classes stay reachable as long as their loader: the chain from a root to a class is noise, the static field
        // is what a developer changes. Start at the last static field on the path.
        for (int i = references.size() - 1; i >= 0; i--) {
            if (references.get(i).getReferenceType() == LeakTraceReference.ReferenceType.STATIC_FIELD) {
                start = i;
                root = "class " + className(references.get(i).getOriginObject());
                break;
            }
        }
        List<RetentionPath.Hop> hops = new ArrayList<>();
        for (int i = start; i < references.size(); i++) {
            LeakTraceReference reference = references.get(i);
            int threadLocalEnd = threadLocalValueEnd(references, i);
            if (threadLocalEnd > i) {
                hops.add(new RetentionPath.Hop(RetentionPath.Kind.THREAD_LOCAL_VALUE,
                        "thread \"" + threadName(reference.getOriginObject()) + "\" ThreadLocal value",
                        targetOf(trace, threadLocalEnd)));
                i = threadLocalEnd;
            } else if (isFieldHoldingArray(references, i)) {
                // A field and the array slot it leads to are one thing to fix: TaskQueue.queue[0].
                hops.add(new RetentionPath.Hop(RetentionPath.Kind.ARRAY_ELEMENT,
                        fieldName(reference) + "[" + references.get(i + 1).getReferenceName() + "]",
                        targetOf(trace, i + 1)));
                i++;
            } else {
                hops.add(hop(reference, targetOf(trace, i)));
            }
        }
        return new RetentionPath(root, hops);
    }

    private static String targetOf(LeakTrace trace, int index) {
        List<LeakTraceReference> references = trace.getReferencePath();
        return index + 1 < references.size() ? className(references.get(index + 1).getOriginObject())
                : className(trace.getLeakingObject());
    }

    private static boolean isFieldHoldingArray(List<LeakTraceReference> references, int index) {
        LeakTraceReference.ReferenceType type = references.get(index).getReferenceType();
        return (type == LeakTraceReference.ReferenceType.INSTANCE_FIELD
                || type == LeakTraceReference.ReferenceType.STATIC_FIELD)
                && index + 1 < references.size()
                && references.get(index + 1).getReferenceType() == LeakTraceReference.ReferenceType.ARRAY_ENTRY
                && references.get(index + 1).getOriginObject().getClassName().endsWith("[]");
    }

    private static String fieldName(LeakTraceReference reference) {
        return reference.getReferenceType() == LeakTraceReference.ReferenceType.STATIC_FIELD
                ? "static " + className(reference.getOriginObject()) + "." + reference.getReferenceName()
                : className(reference.getOwningClassName()) + "." + reference.getReferenceName();
    }

    private static String className(LeakTraceObject object) {
        return className(object.getClassName());
    }

    private static String className(String name) {
        return Texts.className(name);
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
        switch (reference.getReferenceType()) {
            case STATIC_FIELD:
                return new RetentionPath.Hop(RetentionPath.Kind.STATIC_FIELD, fieldName(reference), target);
            case INSTANCE_FIELD:
                return new RetentionPath.Hop(RetentionPath.Kind.INSTANCE_FIELD, fieldName(reference), target);
            case ARRAY_ENTRY:
                return new RetentionPath.Hop(RetentionPath.Kind.ARRAY_ELEMENT,
                        arrayEntryName(origin, reference.getReferenceName()), target);
            case LOCAL:
                return new RetentionPath.Hop(RetentionPath.Kind.LOCAL_VARIABLE,
                        "local variable in thread \"" + threadName(origin) + "\"", target);
            default:
                return new RetentionPath.Hop(RetentionPath.Kind.OTHER,
                        className(origin) + "." + reference.getReferenceName(), target);
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
                return "class " + className(first);
            default:
                return trace.getGcRootType().getDescription() + " " + className(first);
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
