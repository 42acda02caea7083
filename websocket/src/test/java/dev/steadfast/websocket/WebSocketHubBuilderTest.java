package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hub builder validates its own parts at once; build() reports every missing or conflicting part. */
class WebSocketHubBuilderTest {

    private static final byte[] SECRET = HubTestSupport.SECRET;

    @Test
    void routeOnThePublishPath_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder(WebSocketHubConfig.ofDefaults()).route("POST", WebSocketHub.PUBLISH_PATH,
                request -> HttpReply.text(200, "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("route path /api/publish is reserved for the publish API");
    }

    @Test
    void sameRouteTwice_isAStateError() {
        WebSocketHub.Builder builder = WebSocketHub.builder(WebSocketHubConfig.ofDefaults()).route("GET", "/a", request -> HttpReply.text(200, ""));

        assertThatThrownBy(() -> builder.route("get", "/a", request -> HttpReply.text(200, "")))
                .isInstanceOf(IllegalStateException.class).hasMessage("a route for GET /a was already added");
    }

    @Test
    void brokerTwice_isAStateError() {
        WebSocketHub.Builder builder = WebSocketHub.builder(WebSocketHubConfig.ofDefaults()).broker(new InProcessBroker());

        assertThatThrownBy(() -> builder.broker(new InProcessBroker()))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("broker was already set to ");
    }

    @Test
    void build_reportsEveryProblemAtOnce() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            WebSocketHub.Builder builder = WebSocketHub.builder(WebSocketHubConfig.custom().eventLoopThreads(2).build())
                    .eventLoopGroup(group)
                    .route("GET", "/ws", request -> HttpReply.text(200, ""));

            assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Invalid WebSocketHub configuration:")
                    .hasMessageContaining("tokenSecret is required")
                    .hasMessageContaining("eventLoopGroup is caller-owned and conflicts with threadFactory")
                    .hasMessageContaining("route path /ws is the WebSocket path");
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void validConfiguration_builds() {
        WebSocketHub hub = WebSocketHub.builder(WebSocketHubConfig.custom().tokenSecret(SECRET).port(0).build()).build();

        assertThat(hub.toString()).isEqualTo("WebSocketHub[NEW, port=0]");
        hub.close();
    }
}
