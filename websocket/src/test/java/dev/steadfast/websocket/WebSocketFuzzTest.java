package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated frames and handshakes from several clients at once ({@link HubFuzzer}); afterwards the hub's
 * invariant holds, every registry is back to baseline, nothing failed inside the hub, it still answers, and heap and
 * direct memory are back where they were. The default run sends {@value #DEFAULT_FRAMES} frames (a few seconds);
 * {@code mvn -pl websocket -am verify -Pfuzz} sends 1,000,000 (system property {@value #FRAMES_PROPERTY}), with the
 * seed in {@value #SEED_PROPERTY} and the number of concurrent clients in {@value #CLIENTS_PROPERTY}. Prints
 * {@code BENCH websocket-fuzz frames=<n> crashes=0 leaked_connections=0 heap_delta_pct=<x> max_direct_bytes_per_conn=<n>}.
 */
class WebSocketFuzzTest extends HubTestSupport {

    static final String FRAMES_PROPERTY = "steadfast.fuzz.frames";
    static final String SEED_PROPERTY = "steadfast.fuzz.seed";
    static final long DEFAULT_FRAMES = 30_000;
    static final String CLIENTS_PROPERTY = "steadfast.fuzz.clients";
    static final long WARM_UP_FRAMES = 3_000;

    @Test
    void randomAndMutatedTraffic_leavesTheHubAtBaseline() throws Exception {
        long frameBudget = Long.getLong(FRAMES_PROPERTY, DEFAULT_FRAMES);
        long seed = Long.getLong(SEED_PROPERTY, 20261204L);
        int clients = Integer.getInteger(CLIENTS_PROPERTY, 4);
        Duration timeLimit = Duration.ofSeconds(Math.max(30, frameBudget / 2_000));
        start(builder(config()
                .maxFrameSize(64 * 1024).maxMessageSize(64 * 1024)
                .maxOutboundBytes(64 * 1024)
                .handshakeTimeout(Duration.ofSeconds(2))
                .pingInterval(Duration.ofMillis(500)).idleTimeout(Duration.ofSeconds(2))
                .closeTimeout(Duration.ofMillis(500)))
                .route("GET", "/health/live", request -> HttpReply.ok("text/plain", "UP")));
        String token = token("fuzz", List.of("room:*"), List.of("room:*"));
        // Warm-up: the allocator reserves its first chunks and the JIT settles, so neither counts as growth.
        HubFuzzer warmUp = new HubFuzzer(hub.port(), token, seed - 1, () -> hub.statistics().connections());
        warmUp.run(WARM_UP_FRAMES, System.nanoTime() + Duration.ofSeconds(20).toNanos());
        awaitBaseline();
        long heapBefore = settledHeapUsed();
        long directBefore = HubFuzzer.directMemoryUsed();

        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients, runnable -> {
            Thread thread = new Thread(runnable, "websocket-fuzz-client-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        List<HubFuzzer> fuzzers = new ArrayList<>();
        List<Future<?>> runs = new ArrayList<>();
        long deadline = System.nanoTime() + timeLimit.toNanos();
        try {
            for (int i = 0; i < clients; i++) {
                HubFuzzer fuzzer = new HubFuzzer(hub.port(), token, seed + i, () -> hub.statistics().connections());
                fuzzer.startMeasuring(directBefore);
                fuzzers.add(fuzzer);
                runs.add(pool.submit(() -> fuzzer.run(frameBudget / clients, deadline)));
            }
            for (Future<?> run : runs) {
                run.get(timeLimit.toSeconds() + 30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("fuzz clients stopped").isTrue();
        }

        awaitBaseline();
        long frames = fuzzers.stream().mapToLong(f -> f.frames.get()).sum();
        long maxDirect = fuzzers.stream().mapToLong(HubFuzzer::maxDirectBytesPerConnection).max().orElse(0);
        WebSocketStatistics stats = hub.statistics();
        RawHttp.Response live = RawHttp.exchange(hub.port(), RawHttp.get("/health/live"));
        long crashes = stats.closed(CloseReason.ERROR) + (live.status() == 200 ? 0 : 1);
        long heapAfter = settledHeapUsed();
        double heapDeltaPct = 100.0 * (heapAfter - heapBefore) / heapBefore;
        System.out.println(String.format(Locale.ROOT, "fuzz seed=%d closed=%s events=%s", seed, stats.closed(),
                hub.core().events.counts()));
        System.out.println(String.format(Locale.ROOT,
                "BENCH websocket-fuzz frames=%d crashes=%d leaked_connections=%d heap_delta_pct=%.1f"
                        + " max_direct_bytes_per_conn=%d", frames, crashes, stats.connections(), heapDeltaPct,
                maxDirect));

        assertThat(frames).as("frames sent within %s", timeLimit).isGreaterThanOrEqualTo(frameBudget * 9 / 10);
        assertThat(crashes).as("connections ended by a hub failure, or the hub not answering").isZero();
        assertThat(stats.connections()).as("leaked connections").isZero();
        assertThat(stats.closedTotal()).isEqualTo(stats.accepted());
        // Unpooled (the 'fuzz' execution): what connections hold. Pooled (a run with -Dtest): also the chunks the
        // allocator keeps for the event loops, so the bound is looser but still a bound.
        boolean unpooled = io.netty.buffer.ByteBufAllocator.DEFAULT instanceof io.netty.buffer.UnpooledByteBufAllocator;
        assertThat(maxDirect).as("direct bytes per open connection over the warmed-up baseline (%s allocator)",
                unpooled ? "unpooled" : "pooled").isLessThan(unpooled ? 1024 * 1024 : 16 * 1024 * 1024);
        assertThat(heapDeltaPct).as("heap after vs before, after GC").isLessThan(25.0);
    }

    /** Used heap after full collections, once two in a row agree within 1 %. */
    private static long settledHeapUsed() {
        Runtime runtime = Runtime.getRuntime();
        long previous = Long.MAX_VALUE;
        for (int round = 0; round < 10; round++) {
            System.gc();
            long used = runtime.totalMemory() - runtime.freeMemory();
            if (Math.abs(used - previous) <= previous / 100) {
                return used;
            }
            previous = used;
        }
        return previous;
    }
}
