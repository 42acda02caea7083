package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeakMonitorMetricsTest {

    private static final long MB = 1L << 20;

    private final LeakMonitorTestClock clock = new LeakMonitorTestClock();
    private final LeakMonitor monitor = LeakMonitor.builder().clock(clock).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        monitor.close();
        registry.close();
    }

    @Test
    void bindTo_growingHeap_gaugesShowVerdictRateAndLiveHeap() {
        new LeakMonitorMetrics(monitor, Tags.of("service", "checkout")).bindTo(registry);

        replayHeap(minute -> 400 * MB + 12 * MB * minute / 60);

        assertThat(gauge("growing", "series", "all")).isEqualTo(1.0);
        assertThat(gauge("growing", "series", "heap")).isEqualTo(1.0);
        assertThat(gauge("heap.growth") / MB).isCloseTo(12.0, within(1.0));
        assertThat(gauge("heap.unconfirmed")).isZero();
        assertThat(gauge("heap.old.collections")).isEqualTo(120.0);
        assertThat(gauge("heap.live")).isGreaterThan(400.0 * MB);
        assertThat(registry.get("steadfast.leak.monitor.heap.live").tag("service", "checkout").gauge().getId()
                .getBaseUnit()).isEqualTo("bytes");
    }

    @Test
    void bindTo_stableHeap_growingGaugeIsZero() {
        new LeakMonitorMetrics(monitor).bindTo(registry);

        replayHeap(minute -> 400 * MB);

        assertThat(gauge("growing", "series", "all")).isZero();
        assertThat(gauge("heap.growth")).isCloseTo(0.0, within(1.0));
    }

    @Test
    void bindTo_heapRisingAfterYoungCollectionsOnly_isUnconfirmedNotGrowing() {
        new LeakMonitorMetrics(monitor).bindTo(registry);

        replayHeap(minute -> 400 * MB + 12 * MB * minute / 60, false);

        assertThat(gauge("growing", "series", "all")).isZero();
        assertThat(gauge("growing", "series", "heap")).isZero();
        assertThat(gauge("heap.unconfirmed")).isEqualTo(1.0);
        assertThat(gauge("heap.old.collections")).isZero();
        assertThat(gauge("heap.growth") / MB).as("the rising floor stays visible").isCloseTo(12.0, within(1.0));
        assertThat(gauge("warnings")).isPositive();
    }

    @Test
    void bindTo_sizeRegisteredAfterBinding_getsItsGauges() {
        new LeakMonitorMetrics(monitor).bindTo(registry);
        AtomicLong listeners = new AtomicLong(42);

        monitor.registerSize("listeners", listeners::get);

        assertThat(registry.get("steadfast.leak.monitor.registry.size").tag("registry", "listeners").gauge().value())
                .isEqualTo(42.0);
        assertThat(registry.get("steadfast.leak.monitor.growing").tag("series", "listeners").gauge().value())
                .isZero();
    }

    @Test
    void bindTo_binderNotKeptByTheCaller_gaugesKeepReading() {
        new LeakMonitorMetrics(monitor).bindTo(registry);
        replayHeap(minute -> 400 * MB);

        assertThat(ForcedGc.collect(Duration.ofSeconds(20))).isTrue();

        assertThat(gauge("heap.live")).isEqualTo(400.0 * MB);
    }

    @Test
    void bindTo_beforeAnyData_ratesAreNaN() {
        new LeakMonitorMetrics(monitor).bindTo(registry);

        assertThat(gauge("heap.growth")).isNaN();
        assertThat(gauge("warnings")).isPositive();
    }

    private double gauge(String name, String... tags) {
        return registry.get(LeakMonitorMetrics.PREFIX + name).tags(tags).gauge().value();
    }

    private void replayHeap(java.util.function.LongUnaryOperator heapAtMinute) {
        replayHeap(heapAtMinute, true);
    }

    private void replayHeap(java.util.function.LongUnaryOperator heapAtMinute, boolean oldGenerationCollected) {
        for (long minute = 0; minute < 120; minute++) {
            clock.advance(Duration.ofMinutes(1));
            monitor.recordCollection(clock.millis(), heapAtMinute.applyAsLong(minute), oldGenerationCollected);
        }
    }
}
