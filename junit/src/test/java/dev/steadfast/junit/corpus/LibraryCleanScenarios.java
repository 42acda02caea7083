package dev.steadfast.junit.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.junit.LeakFree;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * Clean look-alikes of {@link LibraryLeakyScenarios}: the same libraries used correctly, each leaving only what the
 * library keeps per thread by design (Jackson's softly held buffers, Netty's per-thread map, an emptied MDC). Each
 * verifies, without the detector, that the request-scoped state is gone.
 */
public final class LibraryCleanScenarios {

    private LibraryCleanScenarios() {
    }

    @Fixture
    @LeakFree
    public static class MdcRemovedInFinally {
        @Test
        void test() {
            MDC.put("requestId", "r-1");
            try {
                assertThat(MDC.get("requestId")).isEqualTo("r-1");
            } finally {
                MDC.remove("requestId"); // leaves the adapter's map behind, empty
            }
            assertThat(MDC.get("requestId")).isNull();
        }
    }

    @Fixture
    @LeakFree
    public static class JacksonRoundTrip {
        @Test
        void test() throws Exception {
            ObjectMapper mapper = new ObjectMapper();
            String json = mapper.writeValueAsString(Map.of("user", "ann", "visits", 3));
            assertThat(mapper.readValue(json, Map.class)).containsEntry("user", "ann");
        }
    }

    @Fixture
    @LeakFree
    public static class NettyEmbeddedChannelPipeline {
        @Test
        void test() {
            EmbeddedChannel channel = new EmbeddedChannel(new LibraryLeakyScenarios.RememberUser(true));
            channel.writeInbound(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
            ReferenceCountUtil.release(channel.readInbound());
            assertThat(channel.finishAndReleaseAll()).isFalse();
            assertThat(LibraryLeakyScenarios.RememberUser.USER.isSet()).isFalse();
        }
    }

    /**
     * Netty's {@code GlobalEventExecutor}: one per JVM ({@code static INSTANCE}), its thread started by the first
     * task and ended by itself after a quiet second, with no API to stop it. Not the test's thread.
     */
    @Fixture
    @LeakFree
    public static class NettyGlobalEventExecutorTask {
        /** Waits for Netty's global thread to end, if it runs, so that the next task starts it again. */
        @BeforeAll
        public static void noGlobalThreadYet() throws InterruptedException {
            // So that this test's task really starts the singleton's thread.
            try {
                assertThat(GlobalEventExecutor.INSTANCE.awaitInactivity(10, TimeUnit.SECONDS)).isTrue();
            } catch (IllegalStateException neverStarted) {
                // Netty's way of saying there is no thread to wait for yet.
            }
        }

        @Test
        void test() throws Exception {
            Thread ran = GlobalEventExecutor.INSTANCE.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            assertThat(ran.getName()).startsWith("globalEventExecutor-");
        }
    }

    /** A library's daemon Timer that a static holder class creates when first needed (see SharedScheduler). */
    @Fixture
    @LeakFree
    public static class LibraryTimerOfAStaticHolder {
        @Test
        void test() throws Exception {
            CompletableFuture<Thread> ran = new CompletableFuture<>();
            SharedScheduler.onTimer(() -> ran.complete(Thread.currentThread()));
            assertThat(SharedScheduler.isSingletonThread(ran.get(10, TimeUnit.SECONDS))).isTrue();
        }
    }

    /** A library's static daemon scheduler, whose thread its executor starts on the first task. */
    @Fixture
    @LeakFree
    public static class LibraryStaticSchedulerFirstTask {
        @Test
        void test() throws Exception {
            CompletableFuture<Thread> ran = new CompletableFuture<>();
            SharedScheduler.onScheduler(() -> ran.complete(Thread.currentThread()));
            assertThat(SharedScheduler.isSingletonThread(ran.get(10, TimeUnit.SECONDS))).isTrue();
        }
    }
}
