package dev.steadfast.leak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * Live objects per class, as the JVM counts them right after a full collection: an immutable snapshot of the
 * {@code DiagnosticCommand} MBean's {@code gcClassHistogram} (what {@code jcmd <pid> GC.class_histogram} prints).
 *
 * <p>Compared with heap-used figures, a histogram is exact: it counts reachable objects only, per class, with no
 * allocation-buffer or region rounding. Two histograms taken around an operation show what it left behind.
 * Class names are shown as in source ({@code byte[]}, {@code java.lang.Object[]}); classes of the same name from
 * different class loaders are added up.
 *
 * <pre>{@code
 * ClassHistogram before = ClassHistogram.capture();
 * service.handle(request);
 * ClassHistogram after = ClassHistogram.capture();
 * after.diff(before).forEach(System.out::println);   // +1 com.acme.Session (+32 bytes)
 * }</pre>
 */
public final class ClassHistogram {

    static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";
    static final String OPERATION = "gcClassHistogram";
    /** The command's option to count every object, reachable or not, without the full collection. */
    static final String ALL_OBJECTS = "-all";
    private static final int TO_STRING_ROWS = 20;

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final long totalInstances;
    private final long totalBytes;

    /**
     * Live instances and their shallow size for one class.
     *
     * <pre>{@code
     * long strings = ClassHistogram.capture().find("java.lang.String").map(ClassHistogram.Entry::instances).orElse(0L);
     * }</pre>
     *
     * @param className class name as in source, e.g. {@code java.lang.String}, {@code byte[]}
     * @param instances live instances
     * @param bytes shallow bytes of those instances
     */
    public record Entry(String className, long instances, long bytes) {
        public Entry {
            Objects.requireNonNull(className, "className");
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,12d %,14d  %s", instances, bytes, className);
        }
    }

    /**
     * The change of one class between two histograms (later minus earlier).
     *
     * <pre>{@code
     * ClassHistogram before = ClassHistogram.capture();
     * runSuspectedLeak();
     * for (ClassHistogram.Delta d : ClassHistogram.capture().diff(before)) {
     *     log.info("{}", d);   // grown classes first
     * }
     * }</pre>
     *
     * @param className class name as in source
     * @param instances change in live instances, negative when some were collected
     * @param bytes change in shallow bytes
     */
    public record Delta(String className, long instances, long bytes) {
        public Delta {
            Objects.requireNonNull(className, "className");
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%+,d %s (%+,d bytes)", instances, className, bytes);
        }
    }

    private ClassHistogram(List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::bytes).reversed().thenComparing(Entry::className));
        this.entries = List.copyOf(sorted);
        Map<String, Entry> map = new HashMap<>();
        long instances = 0;
        long bytes = 0;
        for (Entry entry : sorted) {
            map.put(entry.className(), entry);
            instances += entry.instances();
            bytes += entry.bytes();
        }
        this.byName = Map.copyOf(map);
        this.totalInstances = instances;
        this.totalBytes = bytes;
    }

    /**
     * Runs a full collection and counts the live objects per class.
     *
     * @throws UnsupportedOperationException if this JVM has no {@code DiagnosticCommand} MBean (not HotSpot, or the
     *     {@code jdk.management} module is missing), with the reason
     * @throws IllegalStateException if the command fails
     */
    public static ClassHistogram capture() {
        return parse(captureText());
    }

    /**
     * The histogram text of the JVM behind a JMX connection, exactly as {@code jcmd <pid> GC.class_histogram}
     * prints it; {@link #parse(String)} reads it, {@link ClassHistogramTrend#add} follows it over time. This is what
     * {@code steadfast doctor leaks} samples.
     *
     * <pre>{@code
     * String text = ClassHistogram.captureText(connector.getMBeanServerConnection(), true);
     * ClassHistogram histogram = ClassHistogram.parse(text);
     * }</pre>
     *
     * @param connection a connection to a HotSpot JVM's MBean server (this JVM's platform server is accepted too)
     * @param liveOnly {@code true} for live objects only, which makes that JVM run a full, stop-the-world collection
     *                 first; {@code false} counts every object in the heap, garbage included, without collecting
     *                 (the command's {@code -all})
     * @return the text
     * @throws UnsupportedOperationException if that JVM has no {@code DiagnosticCommand} MBean, with the reason
     * @throws IllegalStateException if the command fails
     * @throws IOException if the connection fails (the JVM ended, say)
     */
    public static String captureText(MBeanServerConnection connection, boolean liveOnly) throws IOException {
        Objects.requireNonNull(connection, "connection");
        String[] options = liveOnly ? new String[0] : new String[] {ALL_OBJECTS};
        try {
            return (String) connection.invoke(new ObjectName(DIAGNOSTIC_COMMAND), OPERATION,
                    new Object[] {options}, new String[] {String[].class.getName()});
        } catch (InstanceNotFoundException e) {
            throw new UnsupportedOperationException("class histograms need the MBean " + DIAGNOSTIC_COMMAND
                    + ", which this JVM does not register (a HotSpot JVM with the jdk.management module provides it)",
                    e);
        } catch (JMException e) {
            throw new IllegalStateException("the class histogram command " + DIAGNOSTIC_COMMAND + " " + OPERATION
                    + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a histogram printed by {@code jcmd <pid> GC.class_histogram}, {@code jmap -histo} or
     * {@link #capture()}'s MBean. Lines that are not histogram rows (headers, totals) are skipped.
     *
     * @throws IllegalArgumentException if the text contains no histogram row
     */
    public static ClassHistogram parse(String text) {
        Objects.requireNonNull(text, "text");
        Map<String, long[]> counts = new LinkedHashMap<>();
        forEachRow(text, (name, instances, bytes) -> {
            long[] sum = counts.computeIfAbsent(name, key -> new long[2]);
            sum[0] += instances;
            sum[1] += bytes;
        });
        if (counts.isEmpty()) {
            String start = text.length() > 80 ? text.substring(0, 80) + "..." : text;
            throw new IllegalArgumentException(
                    "not a class histogram (no row like '   1:   10   160  java.lang.String'): " + start);
        }
        List<Entry> entries = new ArrayList<>(counts.size());
        counts.forEach((name, sum) -> entries.add(new Entry(name, sum[0], sum[1])));
        return new ClassHistogram(entries);
    }

    /** All classes with live instances, largest shallow size first. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entry for a class name as in source ({@code com.acme.Session}, {@code byte[]}), if it has instances. */
    public Optional<Entry> find(String className) {
        return Optional.ofNullable(byName.get(className));
    }

    public long totalInstances() {
        return totalInstances;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /**
     * What changed since an earlier histogram: classes whose instance count or size differs, largest byte growth
     * first (shrinking classes last).
     */
    public List<Delta> diff(ClassHistogram earlier) {
        Objects.requireNonNull(earlier, "earlier");
        Map<String, long[]> change = new LinkedHashMap<>();
        for (Entry entry : entries) {
            change.put(entry.className(), new long[] {entry.instances(), entry.bytes()});
        }
        for (Entry entry : earlier.entries) {
            long[] sum = change.computeIfAbsent(entry.className(), key -> new long[2]);
            sum[0] -= entry.instances();
            sum[1] -= entry.bytes();
        }
        List<Delta> deltas = new ArrayList<>();
        change.forEach((name, sum) -> {
            if (sum[0] != 0 || sum[1] != 0) {
                deltas.add(new Delta(name, sum[0], sum[1]));
            }
        });
        deltas.sort(Comparator.comparingLong(Delta::bytes).reversed().thenComparing(Delta::className));
        return List.copyOf(deltas);
    }

    /** The {@value #TO_STRING_ROWS} largest classes and the totals, like {@code jmap -histo}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(
                String.format(Locale.ROOT, "%12s %14s  %s%n", "#instances", "#bytes", "class"));
        entries.stream().limit(TO_STRING_ROWS).forEach(entry -> text.append(entry).append(System.lineSeparator()));
        if (entries.size() > TO_STRING_ROWS) {
            text.append(String.format("  ... %d more classes%n", entries.size() - TO_STRING_ROWS));
        }
        return text.append(String.format(Locale.ROOT, "%,12d %,14d  total", totalInstances, totalBytes)).toString();
    }

    // ---- package-private plumbing shared with the heap-growth detector ----

    /** Receives one parsed histogram row. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(String className, long instances, long bytes);
    }

    /** Why {@link #captureText()} cannot work on this JVM, or empty when it can. */
    static Optional<String> unavailableReason() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (server.isRegistered(new ObjectName(DIAGNOSTIC_COMMAND))) {
                return Optional.empty();
            }
            return Optional.of("the MBean " + DIAGNOSTIC_COMMAND + " is not registered (a HotSpot JVM with the"
                    + " jdk.management module provides it)");
        } catch (JMException | RuntimeException e) {
            return Optional.of("the MBean " + DIAGNOSTIC_COMMAND + " cannot be reached: " + e);
        }
    }

    /** Raw histogram text; forces a full collection first (the command counts live objects only). */
    static String captureText() {
        try {
            return captureText(ManagementFactory.getPlatformMBeanServer(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("the platform MBean server has no connection to lose", e);
        }
    }

    /**
     * Calls the consumer for each row {@code "  12:   345   6789  com.acme.Foo (module)"}; the class name is the
     * fourth whitespace-separated token, shown as in source.
     */
    static void forEachRow(String text, RowConsumer consumer) {
        int length = text.length();
        int lineStart = 0;
        while (lineStart < length) {
            int lineEnd = text.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = length;
            }
            parseRow(text, lineStart, lineEnd, consumer);
            lineStart = lineEnd + 1;
        }
    }

    private static void parseRow(String text, int start, int end, RowConsumer consumer) {
        int position = skipSpaces(text, start, end);
        int rankEnd = skipNonSpaces(text, position, end);
        if (rankEnd == position || text.charAt(rankEnd - 1) != ':') {
            return;
        }
        int instancesStart = skipSpaces(text, rankEnd, end);
        int instancesEnd = skipNonSpaces(text, instancesStart, end);
        int bytesStart = skipSpaces(text, instancesEnd, end);
        int bytesEnd = skipNonSpaces(text, bytesStart, end);
        int nameStart = skipSpaces(text, bytesEnd, end);
        int nameEnd = skipNonSpaces(text, nameStart, end);
        if (nameStart == nameEnd) {
            return;
        }
        long instances = parseCount(text, instancesStart, instancesEnd);
        long bytes = parseCount(text, bytesStart, bytesEnd);
        if (instances < 0 || bytes < 0) {
            return;
        }
        String name = sourceName(text.substring(nameStart, nameEnd));
        if (isHeapFiller(name)) {
            return;
        }
        consumer.accept(name, instances, bytes);
    }

    /**
     * Whether a class only pads unused heap space: newer JVMs (JDK 19+) fill retired allocation buffers and region
     * tails with {@code jdk.internal.vm.FillerObject} and {@code jdk.internal.vm.FillerElement[]}, which a histogram
     * lists although nothing references them. Counting them made a clean body next to a busy thread look like it
     * grew (JDK 25, G1), so they are left out of every histogram.
     */
    static boolean isHeapFiller(String className) {
        return className.startsWith("jdk.internal.vm.Filler");
    }

    private static long parseCount(String text, int start, int end) {
        if (start == end) {
            return -1;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static int skipSpaces(String text, int position, int end) {
        while (position < end && Character.isWhitespace(text.charAt(position))) {
            position++;
        }
        return position;
    }

    private static int skipNonSpaces(String text, int position, int end) {
        while (position < end && !Character.isWhitespace(text.charAt(position))) {
            position++;
        }
        return position;
    }

    /** {@code [B} to {@code byte[]}, {@code [[Ljava.lang.String;} to {@code java.lang.String[][]}. */
    static String sourceName(String jvmName) {
        int dimensions = 0;
        while (dimensions < jvmName.length() && jvmName.charAt(dimensions) == '[') {
            dimensions++;
        }
        if (dimensions == 0) {
            return jvmName;
        }
        String element = elementName(jvmName.substring(dimensions));
        return element + "[]".repeat(dimensions);
    }

    private static String elementName(String descriptor) {
        switch (descriptor) {
            case "Z": return "boolean";
            case "B": return "byte";
            case "C": return "char";
            case "S": return "short";
            case "I": return "int";
            case "J": return "long";
            case "F": return "float";
            case "D": return "double";
            default:
                if (descriptor.startsWith("L") && descriptor.endsWith(";")) {
                    return descriptor.substring(1, descriptor.length() - 1);
                }
                return descriptor;
        }
    }
}
