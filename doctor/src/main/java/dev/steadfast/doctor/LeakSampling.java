package dev.steadfast.doctor;

import dev.steadfast.leak.ClassHistogram;
import dev.steadfast.leak.ClassHistogramTrend;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The sampling loop of {@code doctor leaks}: every {@code interval}, the target's class histogram (through the leak
 * module's {@link ClassHistogram#captureText(javax.management.MBeanServerConnection, boolean)}) and its live threads
 * grouped by name pattern, each fed to a {@link ClassHistogramTrend}, and a progress callback with the running verdict.
 *
 * <pre>{@code
 * LeakSampling.Result result = new LeakSampling(jvm, 13, Duration.ofSeconds(10), true, 1024)
 *         .run(progress -> err.println(progress.line()));
 * }</pre>
 */
final class LeakSampling {

    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final double NO_THREAD_GROWTH_TOLERATED = 0;

    /**
     * One sample as the progress line and the JSON show it.
     *
     * @param index 1-based
     * @param at time since the first sample
     * @param liveBytes the histogram's total bytes
     * @param threads live threads
     */
    record Sample(int index, Duration at, long liveBytes, int threads) {
    }

    /**
     * After each sample: the sample, and the verdicts so far once there are enough samples.
     *
     * @param sample the sample just taken
     * @param of how many samples will be taken
     * @param heap the heap verdict so far
     * @param threads the thread verdict so far
     */
    record Progress(Sample sample, int of, Optional<ClassHistogramTrend.Evaluation> heap,
            Optional<ClassHistogramTrend.Evaluation> threads) {
    }

    /**
     * @param samples every sample, in order
     * @param heap the heap verdict
     * @param threads the thread verdict (names are thread-name patterns)
     */
    record Result(List<Sample> samples, ClassHistogramTrend.Evaluation heap, ClassHistogramTrend.Evaluation threads) {

        boolean growing() {
            return heap.isGrowing() || threads.isGrowing();
        }
    }

    private final AttachedJvm jvm;
    private final int samples;
    private final Duration interval;
    private final boolean liveOnly;
    private final ClassHistogramTrend heap;
    private final ClassHistogramTrend threads;

    LeakSampling(AttachedJvm jvm, int samples, Duration interval, boolean liveOnly, double thresholdBytesPerMinute) {
        this.jvm = jvm;
        this.samples = samples;
        this.interval = interval;
        this.liveOnly = liveOnly;
        this.heap = ClassHistogramTrend.of(samples, thresholdBytesPerMinute);
        this.threads = ClassHistogramTrend.of(samples, NO_THREAD_GROWTH_TOLERATED);
    }

    Result run(Consumer<Progress> progress) throws InterruptedException {
        ThreadMXBean threadBean;
        try {
            threadBean = ManagementFactory.newPlatformMXBeanProxy(jvm.connection(),
                    ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
        } catch (IOException e) {
            throw jvm.gone(e);
        }
        try {
            // Warm-up: the target's side of the connection (RMI tables, MBean plumbing) allocates once on first use;
            // taken before the first sample, it is not mistaken for growth between the first two samples.
            ClassHistogram.captureText(jvm.connection(), liveOnly);
            threadBean.getThreadInfo(threadBean.getAllThreadIds(), 0);
        } catch (IOException | UndeclaredThrowableException | IllegalStateException e) {
            throw jvm.gone(e);
        }
        List<Sample> taken = new ArrayList<>(samples);
        long start = System.nanoTime();
        for (int i = 0; i < samples; i++) {
            long wait = start + interval.toNanos() * i - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            String histogram;
            Map<String, Long> groups;
            try {
                histogram = ClassHistogram.captureText(jvm.connection(), liveOnly);
                groups = threadGroups(threadBean.getThreadInfo(threadBean.getAllThreadIds(), 0));
            } catch (IOException | UndeclaredThrowableException | IllegalStateException e) {
                throw jvm.gone(e);
            }
            // Each sample at the time it was taken: a slow histogram must not bend the slope.
            Duration at = Duration.ofNanos(System.nanoTime() - start);
            heap.add(at, histogram);
            threads.addCounts(at, groups);
            long live = ClassHistogram.parse(histogram).totalBytes();
            int threadCount = groups.values().stream().mapToInt(Long::intValue).sum();
            Sample sample = new Sample(i + 1, at, live, threadCount);
            taken.add(sample);
            boolean enough = heap.samples() >= ClassHistogramTrend.MIN_SAMPLES;
            progress.accept(new Progress(sample, samples, enough ? Optional.of(heap.evaluate()) : Optional.empty(),
                    enough ? Optional.of(threads.evaluate()) : Optional.empty()));
        }
        return new Result(taken, heap.evaluate(), threads.evaluate());
    }

    /** Live threads per name pattern: digits become {@code *}, so {@code pool-3-thread-17} is {@code pool-*-thread-*}. */
    static Map<String, Long> threadGroups(ThreadInfo[] infos) {
        Map<String, Long> groups = new TreeMap<>();
        for (ThreadInfo info : infos) {
            if (info != null) {
                groups.merge(pattern(info.getThreadName()), 1L, Long::sum);
            }
        }
        return groups;
    }

    static String pattern(String threadName) {
        return DIGITS.matcher(threadName).replaceAll("*");
    }
}
