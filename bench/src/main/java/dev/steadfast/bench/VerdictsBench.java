package dev.steadfast.bench;

import dev.steadfast.bench.doctor.ChildJvm;
import dev.steadfast.bench.doctor.LeakingServiceMain;
import dev.steadfast.bench.leak.Medians;
import dev.steadfast.leak.ClassHistogram;
import dev.steadfast.leak.ClassHistogramTrend;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * How often {@code doctor leaks} (its {@link ClassHistogramTrend}) cries wolf, and how soon it finds a real leak,
 * measured on many sampling windows of two recorded targets rather than on one run each: the bench's churning service
 * without a leak ({@code LeakingServiceMain 0}: a cache with random puts and removes, a request list of random length)
 * and the same service leaking 1 KB/s. After a warm-up, {@value #SAMPLES} class histograms are taken from each every
 * {@value #INTERVAL_MILLIS} ms with {@code jcmd GC.class_histogram}; then every window of 7 and 13 samples, at 1, 2, 4
 * and 10 times that interval, is evaluated as the doctor does after each sample (running verdicts included).
 *
 * <p>Side by side, what a user does instead: diff the window's first and last histogram and read the top 10
 * increases. On the service without a leak every class there is a false culprit.
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=verdicts
 * }</pre>
 */
public final class VerdictsBench {

    static final int SAMPLES = 180;
    static final long INTERVAL_MILLIS = 500;
    static final Duration WARM_UP = Duration.ofSeconds(30);
    static final int[] STRIDES = {1, 2, 4, 10};
    static final int[] LENGTHS = {7, 13};
    static final int TOP = 10;

    private VerdictsBench() {
    }

    /** Histograms of one target and when each was taken. */
    private record Recording(List<String> histograms, List<Duration> times) {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "verdicts benchmark, JDK %s, load average %.2f (shared machine)%n",
                Runtime.version(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        ExecutorService recorders = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "verdicts-bench-recorder");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Future<Recording> churn = recorders.submit(() -> record("0"));
            Future<Recording> leak = recorders.submit(() -> record("1024"));
            Recording clean = churn.get(10, TimeUnit.MINUTES);
            Recording leaking = leak.get(10, TimeUnit.MINUTES);
            int cleanWindows = 0;
            int falseVerdicts = 0;
            int leakWindows = 0;
            int found = 0;
            List<Double> firstSample = new ArrayList<>();
            List<Double> diffCulprits = new ArrayList<>();
            for (int stride : STRIDES) {
                for (int length : LENGTHS) {
                    int windows = 0;
                    int falseHere = 0;
                    int foundHere = 0;
                    List<Double> firstHere = new ArrayList<>();
                    for (int start = 0; start + (length - 1) * stride < SAMPLES; start++) {
                        windows++;
                        int falseAt = firstGrowing(clean, start, stride, length);
                        falseHere += falseAt > 0 ? 1 : 0;
                        diffCulprits.add((double) ClassHistogram.parse(clean.histograms().get(start + (length - 1)
                                * stride)).diff(ClassHistogram.parse(clean.histograms().get(start))).stream()
                                .filter(d -> d.bytes() > 0).limit(TOP).count());
                        int first = firstGrowing(leaking, start, stride, length);
                        if (first > 0) {
                            foundHere++;
                            firstHere.add((double) first);
                        }
                    }
                    System.out.printf(Locale.ROOT, "%3d windows of %2d samples every %5d ms: no leak called GROWING"
                            + " %d, 1 KB/s leak found in %5.1f%% (median from sample %.0f)%n", windows, length,
                            stride * INTERVAL_MILLIS, falseHere, 100.0 * foundHere / windows, median(firstHere));
                    cleanWindows += windows;
                    leakWindows += windows;
                    falseVerdicts += falseHere;
                    found += foundHere;
                    firstSample.addAll(firstHere);
                }
            }
            System.out.printf(Locale.ROOT, "BENCH verdicts clean_windows=%d false_verdicts=%d false_verdict_pct=%.2f"
                    + " leak_windows=%d leak_found_pct=%.1f leak_first_sample_median=%.0f"
                    + " diff_false_culprits_median=%.0f%n", cleanWindows, falseVerdicts,
                    100.0 * falseVerdicts / cleanWindows, leakWindows, 100.0 * found / leakWindows,
                    median(firstSample), median(diffCulprits));
        } finally {
            recorders.shutdownNow();
        }
    }

    private static Recording record(String bytesPerSecond) throws Exception {
        try (ChildJvm target = ChildJvm.start(LeakingServiceMain.class, bytesPerSecond)) {
            // A young JVM loads classes and its cache is still filling: growth that is real but ends.
            Thread.sleep(WARM_UP.toMillis());
            List<String> histograms = new ArrayList<>(SAMPLES);
            List<Duration> times = new ArrayList<>(SAMPLES);
            long start = System.nanoTime();
            for (int i = 0; i < SAMPLES; i++) {
                long wait = start + TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS) * i - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                histograms.add(DoctorBench.jdkTool("jcmd", target.pid(), "GC.class_histogram"));
                times.add(Duration.ofNanos(System.nanoTime() - start));
            }
            return new Recording(histograms, times);
        }
    }

    /** The sample (1-based) at which the running verdict first said GROWING in this window, or 0. */
    private static int firstGrowing(Recording recording, int start, int stride, int length) {
        ClassHistogramTrend trend = ClassHistogramTrend.of(length,
                ClassHistogramTrend.DEFAULT_THRESHOLD_BYTES_PER_MINUTE);
        Duration origin = recording.times().get(start);
        for (int j = 0; j < length; j++) {
            int i = start + j * stride;
            trend.add(recording.times().get(i).minus(origin).plusNanos(1), recording.histograms().get(i));
            if (trend.samples() >= ClassHistogramTrend.MIN_SAMPLES && trend.evaluate().isGrowing()) {
                return j + 1;
            }
        }
        return 0;
    }

    private static double median(List<Double> values) {
        return values.isEmpty() ? Double.NaN : Medians.of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
