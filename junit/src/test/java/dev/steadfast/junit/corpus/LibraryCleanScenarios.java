package dev.steadfast.junit.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.junit.LeakFree;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
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
}
