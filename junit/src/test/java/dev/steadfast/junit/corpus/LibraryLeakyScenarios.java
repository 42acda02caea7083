package dev.steadfast.junit.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.junit.LeakFree;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * Leaky scenarios with real third-party libraries services use (SLF4J's MDC, Jackson, Netty): request-scoped state
 * left on the test's thread. Each fixture verifies, without the detector, that its state really is still there; the
 * clean look-alikes are in {@link LibraryCleanScenarios}.
 */
public final class LibraryLeakyScenarios {

    private LibraryLeakyScenarios() {
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"keys: \"requestId\"", "static org.slf4j.MDC.MDC_ADAPTER", "BasicMDCAdapter.inheritableThreadLocalMap",
            "[inheritable]"})
    public static class MdcNeverCleared {
        @Test
        void test() {
            MDC.put("requestId", "r-1");
            Leftovers.undoAfterVerdict(MDC::clear);
            assertThat(MDC.getCopyOfContextMap()).containsKey("requestId");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LibraryLeakyScenarios$JacksonMapperPerThread.MAPPER",
            "com.fasterxml.jackson.databind.ObjectMapper"})
    public static class JacksonMapperPerThread {
        static final ThreadLocal<ObjectMapper> MAPPER = new ThreadLocal<>();

        @Test
        void test() throws Exception {
            MAPPER.set(new ObjectMapper());
            Leftovers.undoAfterVerdict(MAPPER::remove);
            assertThat(MAPPER.get().writeValueAsString(Map.of("a", 1))).isEqualTo("{\"a\":1}");
            assertThat(MAPPER.get()).isNotNull();
        }
    }

    /** Sets the user of each message on the event loop's thread (here: the test's) and forgets to remove it. */
    static final class RememberUser extends ChannelInboundHandlerAdapter {
        static final FastThreadLocal<LeakyScenarios.Session> USER = new FastThreadLocal<>();
        private final boolean removes;

        RememberUser(boolean removes) {
            this.removes = removes;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            USER.set(new LeakyScenarios.Session("ann"));
            try {
                context.fireChannelRead(message);
            } finally {
                if (removes) {
                    USER.remove();
                }
            }
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LibraryLeakyScenarios$RememberUser.USER", "FastThreadLocal",
            "LeakyScenarios$Session"})
    public static class NettyFastThreadLocalNeverRemoved {
        @Test
        void test() {
            EmbeddedChannel channel = new EmbeddedChannel(new RememberUser(false));
            Leftovers.undoAfterVerdict(RememberUser.USER::remove);
            channel.writeInbound(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
            ReferenceCountUtil.release(channel.readInbound());
            assertThat(channel.finishAndReleaseAll()).isFalse();
            assertThat(RememberUser.USER.isSet()).isTrue();
        }
    }

    /**
     * Look-alike of the clean {@code NettyGlobalEventExecutorTask}: the same kind of Netty executor thread, but of an
     * executor the test created and never shut down.
     */
    @Fixture
    @LeakFree
    @ExpectLeak({"\"defaultEventExecutor-", "io.netty.util.concurrent.DefaultEventExecutor"})
    public static class NettyEventExecutorNeverShutDown {
        @Test
        void test() throws Exception {
            DefaultEventExecutor executor = new DefaultEventExecutor();
            Leftovers.undoAfterVerdict(() -> executor.shutdownGracefully(0, 0, TimeUnit.SECONDS)
                    .syncUninterruptibly());
            assertThat(executor.submit(() -> "done").get(10, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(executor.isShuttingDown()).isFalse();
        }
    }

    /** Look-alike of the library's holder Timer: a daemon Timer, but the test's own, never cancelled. */
    @Fixture
    @LeakFree
    @ExpectLeak({"\"corpus-own-daemon-timer\"", "daemon"})
    public static class OwnDaemonTimerNeverCancelled {
        @Test
        void test() {
            Timer timer = new Timer("corpus-own-daemon-timer", true);
            Leftovers.undoAfterVerdict(timer::cancel);
            timer.schedule(new TimerTask() {
                @Override
                public void run() {
                }
            }, 10, 10);
        }
    }

    /**
     * Look-alike of the library's static scheduler: daemon threads from the library's own factory, but of an
     * executor the test built and never shut down.
     */
    @Fixture
    @LeakFree
    @ExpectLeak({"\"corpus-shared-worker\"", "LibraryLeakyScenarios$OwnExecutorOfALibraryFactory.test"})
    public static class OwnExecutorOfALibraryFactory {
        @Test
        void test() throws Exception {
            ExecutorService executor = Executors.newSingleThreadExecutor(SharedScheduler.DAEMON_FACTORY);
            Leftovers.undoAfterVerdict(executor::shutdownNow);
            assertThat(executor.submit(() -> "done").get(10, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(executor.isShutdown()).isFalse();
        }
    }
}
