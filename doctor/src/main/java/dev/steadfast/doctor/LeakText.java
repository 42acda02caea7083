package dev.steadfast.doctor;

import dev.steadfast.leak.ClassHistogramTrend;
import dev.steadfast.leak.ClassRetention;
import dev.steadfast.leak.RetentionPath;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The words of {@code doctor leaks}: the progress line after each sample, the text report and the JSON.
 *
 * <pre>{@code
 * err.println(LeakText.progressLine(progress));
 * out.print(LeakText.render(target, result, retention, 10, false, jvm.uptime()));
 * }</pre>
 */
final class LeakText {

    /**
     * A JVM younger than this when sampling began is still warming up: class loading and JIT compilation (which
     * resolves the string constants of the methods it compiles) add live objects for its first minutes.
     */
    static final Duration YOUNG_JVM = Duration.ofMinutes(2);

    private LeakText() {
    }

    static String progressLine(LeakSampling.Progress progress) {
        LeakSampling.Sample sample = progress.sample();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%3d/%d %6s] live %s, %d threads | ",
                sample.index(), progress.of(), DurationConverter.format(sample.at()), Sizes.bytes(sample.liveBytes()),
                sample.threads()));
        if (progress.heap().isEmpty()) {
            line.append("verdict from sample ").append(ClassHistogramTrend.MIN_SAMPLES).append(" on");
            return line.toString();
        }
        ClassHistogramTrend.Evaluation heap = progress.heap().get();
        ClassHistogramTrend.Evaluation threads = progress.threads().orElseThrow();
        if (!heap.isGrowing() && !threads.isGrowing()) {
            line.append("running verdict: no growth (heap ").append(Sizes.rate(heap.liveBytes().perMinute()))
                    .append(unconfirmed(heap, "class", "classes")).append(unconfirmed(threads, "thread pattern",
                            "thread patterns")).append(")");
            return line.toString();
        }
        line.append("running verdict: GROWING");
        if (heap.isGrowing()) {
            ClassHistogramTrend.Slope slope = heap.growingBytes().orElse(heap.liveBytes());
            line.append(" heap ").append(Sizes.rate(slope.perMinute())).append(" (lower bound ")
                    .append(Sizes.rate(slope.lowerPerMinute())).append(")");
            if (!heap.growing().isEmpty()) {
                line.append(", top ").append(heap.growing().get(0).name());
            }
        }
        if (threads.isGrowing()) {
            line.append(" threads ").append(count(threads.growingCount().orElseThrow().perMinute()));
            if (!threads.growing().isEmpty()) {
                line.append(" (").append(threads.growing().get(0).name()).append(")");
            }
        }
        return line.toString();
    }

    /** Rises in every interval too few samples to tell from chance, as the progress line mentions them. */
    private static String unconfirmed(ClassHistogramTrend.Evaluation evaluation, String one, String many) {
        int rising = evaluation.unconfirmed().size();
        if (rising == 0) {
            return "";
        }
        return "; " + rising + " " + (rising == 1 ? one : many) + " rising, not yet told from chance"
                + (evaluation.chanceRuledOut() ? "" : " (from sample " + evaluation.samplesToConfirm() + " on)");
    }

    /** A confidence level as a percentage with the digits it has: 95%, 99.99%. */
    static String percent(double level) {
        return BigDecimal.valueOf(level * 100).stripTrailingZeros().toPlainString() + "%";
    }

    static String render(String target, LeakSampling.Result result, List<ClassRetention> retention, int top,
                         boolean noGc, Duration uptimeAtStart) {
        ClassHistogramTrend.Evaluation heap = result.heap();
        ClassHistogramTrend.Evaluation threads = result.threads();
        List<LeakSampling.Sample> samples = result.samples();
        LeakSampling.Sample first = samples.get(0);
        LeakSampling.Sample last = samples.get(samples.size() - 1);
        String confidence = percent(heap.confidenceLevel());
        StringBuilder out = new StringBuilder();
        out.append("Leak report for ").append(target).append(": ").append(samples.size()).append(" samples over ")
                .append(DurationConverter.format(heap.span()))
                .append(noGc ? ", all objects (--no-gc)" : ", live objects after a full GC").append('\n');
        if (result.growing()) {
            List<String> what = new ArrayList<>();
            if (heap.isGrowing()) {
                what.add("the heap grows");
            }
            if (threads.isGrowing()) {
                what.add("threads grow");
            }
            out.append("VERDICT: GROWING: ").append(String.join(" and ", what)).append(".\n");
            if (uptimeAtStart.compareTo(YOUNG_JVM) < 0) {
                out.append("Note: the JVM had run for ").append(DurationConverter.format(Duration.ofSeconds(uptimeAtStart.toSeconds())))
                        .append(" when sampling began; class loading and JIT compilation add Strings, classes and"
                                + " their metadata for its first minutes. If only such classes grow, sample again"
                                + " later.\n");
            }
        } else {
            out.append("VERDICT: no growth found (growth is reported when its ").append(confidence)
                    .append(" lower bound exceeds ").append(Sizes.rate(heap.thresholdPerMinute()))
                    .append("; sample longer to see slower leaks).\n");
        }
        out.append(String.format(Locale.ROOT, "%nLive heap: %s -> %s, %s (%s confidence %s .. %s)%s%n",
                Sizes.bytes(first.liveBytes()), Sizes.bytes(last.liveBytes()),
                Sizes.rate(heap.liveBytes().perMinute()), confidence, Sizes.rate(heap.liveBytes().lowerPerMinute()),
                Sizes.rate(heap.liveBytes().upperPerMinute()),
                heap.liveGrowthSustained() ? "" : " (uneven: not counted as growth on its own)"));
        out.append(notConfirmed(heap, "classes", top));
        if (heap.growing().isEmpty()) {
            out.append(heap.unconfirmed().isEmpty() ? "No class grew in every interval.\n" : "");
        } else {
            heap.growingBytes().ifPresent(s -> out.append(String.format(Locale.ROOT,
                    "Growing classes (grew in every interval), together %s (%s: %s .. %s):%n",
                    Sizes.rate(s.perMinute()), confidence, Sizes.rate(s.lowerPerMinute()),
                    Sizes.rate(s.upperPerMinute()))));
            int shown = 0;
            for (ClassHistogramTrend.Growth growth : heap.growing()) {
                if (shown++ == top) {
                    out.append("  ... ").append(heap.growing().size() - top).append(" more\n");
                    break;
                }
                out.append(String.format(Locale.ROOT,
                        "  %-50s %s instances, %s (%s: %s .. %s), %,d -> %,d instances%n", growth.name(),
                        count(growth.instances().perMinute()), Sizes.rate(growth.bytes().perMinute()), confidence,
                        Sizes.rate(growth.bytes().lowerPerMinute()), Sizes.rate(growth.bytes().upperPerMinute()),
                        growth.instancesAtStart(), growth.instancesAtEnd()));
            }
        }
        out.append(String.format(Locale.ROOT, "%nThreads: %d -> %d%n", first.threads(), last.threads()));
        out.append(notConfirmed(threads, "thread-name patterns", top));
        if (threads.growing().isEmpty()) {
            out.append(threads.unconfirmed().isEmpty() ? "No thread-name pattern grew in every interval.\n" : "");
        } else {
            out.append("Thread-name patterns that grew in every interval:\n");
            for (ClassHistogramTrend.Growth growth : threads.growing()) {
                out.append(String.format(Locale.ROOT, "  %-40s %d -> %d threads, %s (%s: %s .. %s)%n",
                        growth.name(), growth.instancesAtStart(), growth.instancesAtEnd(),
                        count(growth.instances().perMinute()), confidence,
                        count(growth.instances().lowerPerMinute()), count(growth.instances().upperPerMinute())));
            }
        }
        if (!retention.isEmpty()) {
            out.append("\nWho holds them (heap dump read with Shark):\n");
            for (ClassRetention held : retention) {
                boolean most = held.instancesOnPath() * 2 > held.instancesSampled();
                out.append("  ").append(held.className()).append(": ").append(held.instancesOnPath()).append(" of ")
                        .append(held.instancesSampled()).append(" sampled instances ")
                        .append(most ? "held by:\n" : "held this way (no single path holds most of them):\n");
                for (String line : held.path().toString().split("\\R")) {
                    out.append("    ").append(line).append('\n');
                }
            }
        }
        return out.toString();
    }

    /** Why rises in every interval were not counted, or nothing when they were. */
    private static String notConfirmed(ClassHistogramTrend.Evaluation evaluation, String what, int top) {
        if (evaluation.unconfirmed().isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        if (evaluation.chanceRuledOut()) {
            text.append("Rose in every interval, but by steps too uneven to tell from a count that wanders (a cache"
                    + " with random puts and removes); not counted as growth:\n");
        } else {
            text.append(String.format(Locale.ROOT, "Rose in every interval, not counted as growth: with %d %s changing"
                    + " in every interval, one of them rises in every one of %d intervals by chance more often than %s"
                    + " of the time; %d samples would tell (sample longer or more often):%n", evaluation.changing(),
                    what, evaluation.samples() - 1, percent(ClassHistogramTrend.CHANCE_RISE_TOLERATED),
                    evaluation.samplesToConfirm()));
        }
        List<ClassHistogramTrend.Growth> shown = evaluation.unconfirmed();
        for (ClassHistogramTrend.Growth growth : shown.subList(0, Math.min(top, shown.size()))) {
            text.append(String.format(Locale.ROOT, "  %-50s %,d -> %,d%n", growth.name(), growth.instancesAtStart(),
                    growth.instancesAtEnd()));
        }
        return text.toString();
    }

    static Map<String, Object> toJson(String target, LeakSampling.Result result, List<ClassRetention> retention,
                                      int top, Duration uptimeAtStart) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("target", target);
        root.put("targetUptimeAtStartSeconds", uptimeAtStart.toSeconds());
        root.put("growing", result.growing());
        root.put("heapGrowing", result.heap().isGrowing());
        root.put("threadsGrowing", result.threads().isGrowing());
        root.put("confidenceLevel", result.heap().confidenceLevel());
        root.put("thresholdBytesPerMinute", result.heap().thresholdPerMinute());
        List<Object> samples = new ArrayList<>();
        for (LeakSampling.Sample sample : result.samples()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("atMillis", sample.at().toMillis());
            s.put("liveBytes", sample.liveBytes());
            s.put("threads", sample.threads());
            samples.add(s);
        }
        root.put("samples", samples);
        root.put("liveBytesPerMinute", slope(result.heap().liveBytes()));
        root.put("growingClassesBytesPerMinute", result.heap().growingBytes().map(LeakText::slope).orElse(null));
        root.put("growingClasses", growths(result.heap().growing(), top));
        root.put("growingThreadPatterns", growths(result.threads().growing(), Integer.MAX_VALUE));
        root.put("unconfirmedRisingClasses", growths(result.heap().unconfirmed(), top));
        root.put("unconfirmedRisingThreadPatterns", growths(result.threads().unconfirmed(), Integer.MAX_VALUE));
        root.put("changingClasses", result.heap().changing());
        root.put("changingThreadPatterns", result.threads().changing());
        root.put("samplesToConfirmRises", Math.max(result.heap().samplesToConfirm(),
                result.threads().samplesToConfirm()));
        List<Object> held = new ArrayList<>();
        for (ClassRetention r : retention) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("className", r.className());
            m.put("instancesOnPath", r.instancesOnPath());
            m.put("instancesSampled", r.instancesSampled());
            m.put("gcRoot", r.path().gcRoot());
            List<String> hops = new ArrayList<>();
            for (RetentionPath.Hop hop : r.path().hops()) {
                hops.add(hop.toString());
            }
            m.put("hops", hops);
            held.add(m);
        }
        root.put("retention", held);
        return root;
    }

    private static List<Object> growths(List<ClassHistogramTrend.Growth> growing, int top) {
        List<Object> list = new ArrayList<>();
        for (ClassHistogramTrend.Growth growth : growing.subList(0, Math.min(top, growing.size()))) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("name", growth.name());
            g.put("instancesPerMinute", slope(growth.instances()));
            g.put("bytesPerMinute", slope(growth.bytes()));
            g.put("instancesAtStart", growth.instancesAtStart());
            g.put("instancesAtEnd", growth.instancesAtEnd());
            g.put("bytesAtStart", growth.bytesAtStart());
            g.put("bytesAtEnd", growth.bytesAtEnd());
            list.add(g);
        }
        return list;
    }

    private static Map<String, Object> slope(ClassHistogramTrend.Slope slope) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("perMinute", slope.perMinute());
        m.put("lower", slope.lowerPerMinute());
        m.put("upper", slope.upperPerMinute());
        return m;
    }

    private static String count(double perMinute) {
        return String.format(Locale.ROOT, "%+.1f/min", perMinute);
    }
}
